/**
 * A minimal `@opentelemetry/api` ContextManager over `AsyncLocalStorage` (what a host gets from
 * `@opentelemetry/context-async-hooks`), for tests of the host-span parent. Works on Node, Bun and Deno.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { after, before } from "node:test";
import { context, ROOT_CONTEXT } from "@opentelemetry/api";
import type { Context, ContextManager } from "@opentelemetry/api";

class AlsContextManager implements ContextManager {
  #als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

/** Registers the manager globally; returns a function that unregisters it. */
export function installContextManager(): () => void {
  const ok = context.setGlobalContextManager(new AlsContextManager());
  if (!ok) throw new Error("another global context manager is registered");
  return () => context.disable();
}

/** Registers the manager for the enclosing `describe` block: installed before its tests, removed after. */
export function useContextManager(): void {
  let uninstall: (() => void) | undefined;
  before(() => {
    uninstall = installContextManager();
  });
  after(() => uninstall?.());
}
