// Screens a person opens now and then (compose with its rich-text editor, settings) are loaded
// when first wanted rather than with the message list, so the first screen arrives sooner; they
// are fetched in the background once the page is idle, so opening one does not wait either.
import type { ComponentType, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface LazyView<P> {
  (props: P): JSX.Element;
  /** Starts loading the screen's code without showing it. */
  preload(): void;
}

export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): LazyView<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const start = (): Promise<ComponentType<P>> =>
    (pending ??= load().then(
      (view) => (loaded = view),
      (err: unknown) => {
        // A failed fetch (a deploy replaced the files, the network dropped) may be retried.
        pending = null;
        throw err;
      },
    ));

  function Lazy(props: P): JSX.Element {
    const [, setReady] = useState(loaded !== null);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      start().then(
        () => live && setReady(true),
        (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
      );
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const View = loaded;
      return <View {...props} />;
    }
    return error ? (
      <p class="error banner" role="alert">
        This part of the webmail could not be loaded ({error}). Reload the page to try again.
      </p>
    ) : (
      <p class="visually-hidden" role="status">
        Loading…
      </p>
    );
  }
  Lazy.preload = () => void start().catch(() => undefined);
  return Lazy;
}
