import { useCallback, useEffect, useRef, useState } from 'react';
import { withoutField } from './errors';

export type Resource<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'ready'; readonly data: T };

export interface LoadedResource<T> {
  readonly state: Resource<T>;
  /** Loads again; keeps showing the current data meanwhile. */
  readonly reload: () => void;
}

/** Loads data for a page section; `key` changes (search, page) trigger a new load, stale answers are dropped. */
export function useResource<T>(load: () => Promise<T>, key: string = ''): LoadedResource<T> {
  const [state, setState] = useState<Resource<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    loadRef.current().then(
      (data) => {
        if (live) setState({ status: 'ready', data });
      },
      (error: unknown) => {
        if (live) setState({ status: 'error', error });
      },
    );
    return () => {
      live = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => { setGeneration((g) => g + 1); }, []);
  return { state, reload };
}

export interface ActionState {
  readonly busy: boolean;
  readonly error: unknown;
  readonly success: string | null;
}

export interface Action extends ActionState {
  /** Runs `work` unless one is already running; returns its result, or undefined when it failed. */
  readonly run: <T>(work: () => Promise<T>, success?: string | ((result: T) => string)) => Promise<T | undefined>;
  readonly reset: () => void;
  /** The user edited a field: its server error goes, and so does an old success message. */
  readonly edited: (field?: string) => void;
  /** Server field names that a form shows next to their input (the banner leaves them out). */
  readonly inline: Set<string>;
}

/** Busy / error / success state of one user action (a form submit, a button). */
export function useAction(): Action {
  const [state, setState] = useState<ActionState>({ busy: false, error: null, success: null });
  const busy = useRef(false);
  const run = useCallback(async <T,>(work: () => Promise<T>, success?: string | ((result: T) => string)): Promise<T | undefined> => {
    if (busy.current) return undefined;
    busy.current = true;
    setState({ busy: true, error: null, success: null });
    try {
      const result = await work();
      const message = typeof success === 'function' ? success(result) : (success ?? null);
      setState({ busy: false, error: null, success: message });
      return result;
    } catch (error) {
      setState({ busy: false, error, success: null });
      return undefined;
    } finally {
      busy.current = false;
    }
  }, []);
  const reset = useCallback(() => { setState({ busy: false, error: null, success: null }); }, []);
  const edited = useCallback((field?: string) => {
    setState((s) => {
      const error = field === undefined ? s.error : withoutField(s.error, field);
      return error === s.error && s.success === null ? s : { ...s, error, success: null };
    });
  }, []);
  const inline = useRef(new Set<string>()).current;
  return { ...state, run, reset, edited, inline };
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Gatehouse`;
  }, [title]);
}
