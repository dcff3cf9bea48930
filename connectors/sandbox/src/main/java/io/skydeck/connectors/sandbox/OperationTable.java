package io.skydeck.connectors.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * The sandbox's operations table with its pending operations kept apart, in the order they fall
 * due: every call first finishes what is due, and a long-running sandbox holds every operation it
 * ever accepted, so finding the due ones by reading the whole table made each call cost more the
 * longer the cloud lived (a thousand-instance release made ~5,000 calls over ~3,000 operations).
 * The index follows every write, which {@link TrackedMap} routes through {@link #put} and
 * {@link #remove}, and is not stored: it is rebuilt as the table is read back.
 */
final class OperationTable extends TrackedMap<SandboxOperation> {

    private static final Comparator<SandboxOperation> BY_DUE =
            Comparator.comparing(SandboxOperation::dueAt).thenComparing(SandboxOperation::id);

    private final TreeSet<SandboxOperation> pending = new TreeSet<>(BY_DUE);

    /** The pending operations due by {@code now}, earliest first; ties in acceptance (id) order. */
    List<SandboxOperation> dueBy(Instant now) {
        List<SandboxOperation> due = new ArrayList<>();
        for (SandboxOperation op : pending) {
            if (op.dueAt().isAfter(now)) {
                break;
            }
            due.add(op);
        }
        return due;
    }

    /** Every pending operation, earliest due first (read-only). */
    Collection<SandboxOperation> pending() {
        return Collections.unmodifiableSet(pending);
    }

    @Override
    public SandboxOperation put(String id, SandboxOperation value) {
        SandboxOperation before = super.put(id, value);
        if (before != null) {
            pending.remove(before);
        }
        if (value != null && value.pending()) {
            pending.add(value);
        }
        return before;
    }

    @Override
    public SandboxOperation remove(Object id) {
        SandboxOperation before = super.remove(id);
        if (before != null) {
            pending.remove(before);
        }
        return before;
    }

    @Override
    public void clear() {
        super.clear();
        pending.clear();
    }
}
