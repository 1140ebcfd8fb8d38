// Chevrotain's LL(k) lookahead, built on first use instead of for every production at
// start-up: performSelfAnalysis computes a lookahead function for each OR/OPTION/MANY of
// the grammar (about 30 ms of every process's start), while a program reaches a few of
// them. Each function is the one LLkLookaheadStrategy builds, only later.
import { LLkLookaheadStrategy, type ILookaheadStrategy } from "chevrotain";

type Strategy = ILookaheadStrategy & { validate: ILookaheadStrategy["validate"] };

export class LazyLookahead implements ILookaheadStrategy {
  readonly #inner: Strategy;

  constructor(maxLookahead: number) {
    this.#inner = new LLkLookaheadStrategy({ maxLookahead });
  }

  validate(options: Parameters<ILookaheadStrategy["validate"]>[0]): ReturnType<ILookaheadStrategy["validate"]> {
    return this.#inner.validate(options);
  }

  initialize(options: { rules: Parameters<ILookaheadStrategy["validate"]>[0]["rules"] }): void {
    this.#inner.initialize?.(options);
  }

  buildLookaheadForAlternation(options: Parameters<ILookaheadStrategy["buildLookaheadForAlternation"]>[0]): ReturnType<ILookaheadStrategy["buildLookaheadForAlternation"]> {
    const inner = this.#inner;
    let built: ReturnType<ILookaheadStrategy["buildLookaheadForAlternation"]> | undefined;
    // chevrotain calls it with the parser as `this`
    return function (this: unknown, orAlts) {
      built ??= inner.buildLookaheadForAlternation(options);
      return built.call(this, orAlts);
    };
  }

  buildLookaheadForOptional(options: Parameters<ILookaheadStrategy["buildLookaheadForOptional"]>[0]): ReturnType<ILookaheadStrategy["buildLookaheadForOptional"]> {
    const inner = this.#inner;
    let built: ReturnType<ILookaheadStrategy["buildLookaheadForOptional"]> | undefined;
    return function (this: unknown) {
      built ??= inner.buildLookaheadForOptional(options);
      return built.call(this);
    };
  }
}
