// self:signal:SIGUSR1 at run time: while a run waits for events, a SIGUSR1 to this process
// runs each self-signal program in the kernel (BPF_PROG_TEST_RUN, as bpftrace does from its
// event loop), then drains the ring buffer so its printf output appears at once. Node
// delivers the signal to a listener on the event loop, so the program never runs inside a
// signal handler; signals that arrive together are one delivery (signals do not queue).
import * as native from "../../native/index.ts";
import type { OwnedFd } from "../../native/index.ts";
import type { ProgSpec } from "../codegen/spec.ts";

export interface SignalPrograms {
  readonly progs: readonly { readonly spec: ProgSpec; readonly fd: OwnedFd }[];
  drain(): void;
}

/** Listen for the signals the run's self probes name; returns the function that stops listening. */
export function watchSelfSignals(run: SignalPrograms, after: () => void): () => void {
  const bySignal = new Map<NodeJS.Signals, OwnedFd[]>();
  for (const p of run.progs) {
    const a = p.spec.probe.attach;
    if (a.kind !== "signal") continue;
    bySignal.set(a.signal, [...(bySignal.get(a.signal) ?? []), p.fd]);
  }
  const listeners: [NodeJS.Signals, () => void][] = [];
  for (const [sig, fds] of bySignal) {
    const onSignal = () => {
      for (const fd of fds) native.progTestRun(fd, new Uint8Array(8));
      run.drain();
      after();
    };
    process.on(sig, onSignal);
    listeners.push([sig, onSignal]);
  }
  return () => {
    for (const [sig, f] of listeners) process.off(sig, f);
  };
}
