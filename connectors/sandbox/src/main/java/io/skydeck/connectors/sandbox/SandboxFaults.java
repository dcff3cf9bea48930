package io.skydeck.connectors.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The faults waiting for their call. Each injected fault strikes a given number of matching
 * calls, first injected first, then is gone.
 */
public final class SandboxFaults {
    private final List<Armed> armed = new ArrayList<>();

    private static final class Armed {
        final Fault fault;
        int remaining;

        Armed(Fault fault, int remaining) {
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    /** The next matching call meets this fault. */
    public synchronized SandboxFaults inject(Fault fault) {
        return inject(fault, 1);
    }

    /** The next {@code times} matching calls meet this fault. */
    public synchronized SandboxFaults inject(Fault fault, int times) {
        if (times < 1) {
            throw new IllegalArgumentException("a fault strikes at least once: " + times);
        }
        armed.add(new Armed(fault, times));
        return this;
    }

    public synchronized void clear() {
        armed.clear();
    }

    public synchronized int pending() {
        return armed.stream().mapToInt(a -> a.remaining).sum();
    }

    /** Consumes one strike of the first fault armed for {@code call}. */
    synchronized Optional<Fault> take(SandboxCall call) {
        for (var iterator = armed.iterator(); iterator.hasNext(); ) {
            Armed next = iterator.next();
            if (next.fault.call() == call) {
                if (--next.remaining == 0) {
                    iterator.remove();
                }
                return Optional.of(next.fault);
            }
        }
        return Optional.empty();
    }
}
