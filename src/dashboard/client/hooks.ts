import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiClient } from './api.js';

export const ApiContext = createContext<ApiClient>(new ApiClient());

export function useApi(): ApiClient {
  return useContext(ApiContext);
}

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Reads again now (after an action that changed what is shown). */
  refresh: () => void;
}

/**
 * Reads `load` now and every `intervalMs` while the page is shown; reads again at once when one of
 * `deps` changes. A read that ends after a newer one started is dropped.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[] = []): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    const read = () => {
      const id = ++latest.current;
      loadRef.current().then(
        (value) => {
          if (stopped || id !== latest.current) return;
          setData(value);
          setError(undefined);
        },
        (reason: unknown) => {
          if (stopped || id !== latest.current) return;
          setError(reason instanceof Error ? reason : new Error(String(reason)));
        },
      );
    };
    read();
    // A tab in the background reads nothing; it catches up as soon as it is shown again.
    const timer = setInterval(() => {
      if (!document.hidden) read();
    }, intervalMs);
    const onVisible = () => {
      if (!document.hidden) read();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // `load` is read through a ref: a new closure on every render must not restart the timer.
  }, [intervalMs, tick, ...deps]);

  return { data, error, refresh: () => setTick((n) => n + 1) };
}
