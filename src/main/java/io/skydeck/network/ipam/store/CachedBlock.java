package io.skydeck.network.ipam.store;

import io.skydeck.network.ipam.BlockBitmap;
import java.time.Instant;

/**
 * This replica's picture of one block's use: what the database held at the last refresh plus what
 * this replica picked since. It only says where to <i>try</i>: the INSERT decides. It errs on the
 * taken side (an address whose commit failed, or released and resting, stays taken here until the
 * next refresh), so it can make an allocation look for another address, never hand out a taken one.
 */
final class CachedBlock {

    final int index;
    /** The host that claimed the block: the next hop of its route. */
    final String host;
    private final int size;
    private final long reserved;
    private long taken;
    /** Picked by this replica, commit not resolved yet: kept across refreshes. */
    private long pending;
    /** After this instant an address taken here may have become free (a quarantine ended); look again. */
    private Instant refreshDue;

    CachedBlock(int index, String host, int size, long reserved, long takenInDatabase, Instant refreshDue) {
        this.index = index;
        this.host = host;
        this.size = size;
        this.reserved = reserved;
        this.taken = reserved | takenInDatabase;
        this.refreshDue = refreshDue;
    }

    /** Takes the lowest free offset for a commit, or returns -1 when the block looks full. */
    synchronized int pickLowest() {
        int offset = bitmap().firstFree();
        if (offset >= 0) {
            mark(offset);
        }
        return offset;
    }

    /** Takes this offset for a commit if it looks free. */
    synchronized boolean pick(int offset) {
        if (bitmap().isTaken(offset)) {
            return false;
        }
        mark(offset);
        return true;
    }

    /** The commit of a picked offset ended (stored, refused or unknown): it stays taken until a refresh says otherwise. */
    synchronized void resolved(int offset) {
        pending &= ~(1L << offset);
    }

    synchronized void refreshed(long takenInDatabase, Instant due) {
        taken = reserved | takenInDatabase | pending;
        refreshDue = due;
    }

    /** This replica released an address of the block: it may be free again after its quarantine. */
    synchronized void releasedUntil(Instant quarantineEnd) {
        if (quarantineEnd.isBefore(refreshDue)) {
            refreshDue = quarantineEnd;
        }
    }

    synchronized boolean refreshDue(Instant now) {
        return !now.isBefore(refreshDue);
    }

    synchronized BlockBitmap bitmap() {
        return new BlockBitmap(size, taken);
    }

    private void mark(int offset) {
        taken |= 1L << offset;
        pending |= 1L << offset;
    }
}
