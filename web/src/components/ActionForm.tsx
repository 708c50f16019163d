import type { ReactNode } from 'react';
import type { Action } from '../lib/hooks';
import { ActionMessage, Form, SubmitButton } from './ui';

interface ActionFormProps {
  readonly action: Action;
  readonly onSubmit: () => void;
  /** The submit button's text. */
  readonly submitLabel: ReactNode;
  /** The submit button's text while the action runs. */
  readonly busyLabel: string;
  readonly className?: string;
  /** The fields (and any heading or hint), above the outcome and the button. */
  readonly children: ReactNode;
}

/** The app's usual form: its fields, then the action's outcome (error or success), then the submit button. */
export function ActionForm(props: ActionFormProps): ReactNode {
  return (
    <Form onSubmit={props.onSubmit} className={props.className}>
      {props.children}
      <ActionMessage action={props.action} />
      <SubmitButton busy={props.action.busy} busyLabel={props.busyLabel}>
        {props.submitLabel}
      </SubmitButton>
    </Form>
  );
}
