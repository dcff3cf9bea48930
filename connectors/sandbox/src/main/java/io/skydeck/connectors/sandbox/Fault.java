package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ProviderException;

import java.time.Duration;
import java.util.Objects;

/**
 * Something to go wrong on the next matching call. Faults live in memory only: they are test
 * instruments, not cloud state, so a restarted sandbox has none.
 */
public sealed interface Fault {

    SandboxCall call();

    /** The call throws {@code error}; nothing is accepted. Models throttling, auth failure, quota, 5xx. */
    record FailCall(SandboxCall call, ProviderException error) implements Fault {
        public FailCall {
            Objects.requireNonNull(call, "call");
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * The call is accepted and its operation later ends {@code Failed} with {@code error}; a
     * server being created goes to ERROR. Models "no valid host", a failed boot.
     */
    record FailOperation(SandboxCall call, ProviderException error) implements Fault {
        public FailOperation {
            Objects.requireNonNull(call, "call");
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * The call throws {@code ProviderTimeout}. With {@code requestApplied} the sandbox did the
     * work and persisted it first — the answer was lost on the way back, the case idempotency
     * tokens exist for.
     */
    record Timeout(SandboxCall call, boolean requestApplied) implements Fault {
        public Timeout {
            Objects.requireNonNull(call, "call");
        }
    }

    /**
     * The call is accepted (202) and its operation ends after the usual latency with no error, but
     * nothing happened: the server settles back where it was — a resize on its old flavor, a start
     * still stopped, a stop still running. Nova's way of refusing a resize on a single hypervisor
     * (NoValidHost): ACTIVE again on the old flavor, no ERROR, no fault. Only the server tells.
     */
    record SilentlyRefused(SandboxCall call) implements Fault {
        public SilentlyRefused {
            Objects.requireNonNull(call, "call");
            if (call != SandboxCall.RESIZE_SERVER && call != SandboxCall.START_SERVER && call != SandboxCall.STOP_SERVER) {
                throw new IllegalArgumentException("only a server's resize, start or stop can be refused silently: " + call);
            }
        }
    }

    /** The operation takes {@code extra} longer than the topology's latency. */
    record Slow(SandboxCall call, Duration extra) implements Fault {
        public Slow {
            Objects.requireNonNull(call, "call");
            if (extra.isNegative()) {
                throw new IllegalArgumentException("a slow fault adds time: " + extra);
            }
        }
    }

    /**
     * The sandbox "process" dies during the call: the call throws {@code ProviderUnavailable}
     * and this instance refuses every later call. With {@code afterWrite} the accepted request
     * reached disk before the crash. Open a new instance over the same directory to restart.
     */
    record Crash(SandboxCall call, boolean afterWrite) implements Fault {
        public Crash {
            Objects.requireNonNull(call, "call");
        }
    }
}
