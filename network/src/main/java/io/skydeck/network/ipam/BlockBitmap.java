package io.skydeck.network.ipam;

/**
 * Which addresses of one block are taken (allocated, in quarantine, reserved, or being committed),
 * as bits by offset. A block holds at most 64 addresses ({@link VpcLayout}), so one {@code long}.
 */
public record BlockBitmap(int size, long taken) {

    public BlockBitmap {
        if (size < 1 || size > 64 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("a block holds 1..64 addresses, a power of two: " + size);
        }
        if ((taken & ~mask(size)) != 0) {
            throw new IllegalArgumentException("bits beyond the block's " + size + " addresses are set");
        }
    }

    public static BlockBitmap empty(int size) {
        return new BlockBitmap(size, 0);
    }

    /** The lowest free offset, or -1 when the block is full. */
    public int firstFree() {
        long free = ~taken & mask(size);
        return free == 0 ? -1 : Long.numberOfTrailingZeros(free);
    }

    public boolean isTaken(int offset) {
        check(offset);
        return (taken & (1L << offset)) != 0;
    }

    public BlockBitmap take(int offset) {
        check(offset);
        return new BlockBitmap(size, taken | (1L << offset));
    }

    public BlockBitmap free(int offset) {
        check(offset);
        return new BlockBitmap(size, taken & ~(1L << offset));
    }

    public BlockBitmap withTaken(long bits) {
        return new BlockBitmap(size, taken | bits);
    }

    public int takenCount() {
        return Long.bitCount(taken);
    }

    public int freeCount() {
        return size - takenCount();
    }

    public boolean isFull() {
        return firstFree() < 0;
    }

    private void check(int offset) {
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException("offset " + offset + " is outside a block of " + size);
        }
    }

    private static long mask(int size) {
        return size == 64 ? -1L : (1L << size) - 1;
    }
}
