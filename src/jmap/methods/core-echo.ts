import { CORE } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';

/** RFC 8620 §4 Core/echo: the arguments, unchanged. */
export const coreEcho: JmapMethod<JmapContext> = {
  capability: CORE,
  async run(args) {
    return args;
  },
};
