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
  /**
   * Whether there is something to submit (a changed value). Until then the button is quiet, so the
   * page's one loud button is the one for the form the user is working on. Unset: always loud.
   */
  readonly ready?: boolean;
  /** The fields (and any heading or hint), above the outcome and the button. */
  readonly children: ReactNode;
}

/** The app's usual form: its fields, then the action's outcome (error or success), then the submit button. */
export function ActionForm(props: ActionFormProps): ReactNode {
  return (
    <Form onSubmit={props.onSubmit} className={props.className} action={props.action}>
      {props.children}
      <ActionMessage action={props.action} />
      <SubmitButton busy={props.action.busy} busyLabel={props.busyLabel} tone={props.ready === false ? 'secondary' : 'primary'}>
        {props.submitLabel}
      </SubmitButton>
    </Form>
  );
}
