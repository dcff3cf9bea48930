package io.skydeck.placement;

import java.util.Arrays;

/**
 * The hosts of one shelf — one zone, one hourly rate, with or without GPUs — bucketed by free
 * vCPU, so a request finds the hosts that can fit without looking at the ones that cannot.
 *
 * <p>Bucket {@code b} holds the hosts with exactly {@code b} free vCPUs, except the last bucket,
 * {@link #TOP}, which holds every host with {@code TOP} or more. A bitset of non-empty buckets
 * makes "the next bucket with hosts" one {@code numberOfTrailingZeros}. Each bucket also keeps an
 * upper bound of its hosts' free memory and GPUs (the maximum and how many hosts hold it), so a
 * bucket where no host has the memory a request needs is passed over whole.
 *
 * <p>Moving a host between buckets is O(1): every host knows its bucket and its slot in it, and
 * leaving swaps the bucket's last host into the slot. When the last holder of a bucket's maximum
 * leaves, the bound is marked stale and recomputed on the next read of that bucket only.
 * Not thread-safe: the engine guards it.
 */
final class CapacityBuckets {

    /** Free vCPU counts from 0 to TOP - 1 get a bucket each; TOP and above share the last one. */
    static final int TOP = 1023;

    final int index;
    final Zone zone;
    final int rate;
    final boolean gpuHosts;

    /** Every host of the shelf, in the order added: what random sampling draws from. */
    int[] members = new int[16];
    int size;

    private int[][] buckets = new int[0][];
    private int[] bucketSize = new int[0];
    private long[] nonEmpty = new long[1];
    private long[] maxMemory = new long[0];
    private int[] maxMemoryHolders = new int[0];
    private int[] maxGpu = new int[0];
    private int[] maxGpuHolders = new int[0];
    private boolean[] boundStale = new boolean[0];

    CapacityBuckets(int index, Zone zone, int rate, boolean gpuHosts) {
        this.index = index;
        this.zone = zone;
        this.rate = rate;
        this.gpuHosts = gpuHosts;
    }

    static int bucketFor(int freeVcpu) {
        return Math.min(freeVcpu, TOP);
    }

    void addMember(int host) {
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        members[size++] = host;
    }

    /** Puts a host in the bucket of its free vCPU; {@code slotOf} and {@code bucketOf} learn where. */
    void insert(HostTable t, int host) {
        int b = bucketFor(t.freeVcpu[host]);
        ensureBucket(b);
        int[] hosts = buckets[b];
        if (hosts == null || bucketSize[b] == hosts.length) {
            hosts = buckets[b] = hosts == null ? new int[8] : Arrays.copyOf(hosts, hosts.length * 2);
        }
        int slot = bucketSize[b]++;
        hosts[slot] = host;
        t.bucketOf[host] = b;
        t.slotOf[host] = slot;
        if (slot == 0) {
            nonEmpty[b >>> 6] |= 1L << b;
            maxMemory[b] = t.freeMemory[host];
            maxMemoryHolders[b] = 1;
            maxGpu[b] = t.freeGpu[host];
            maxGpuHolders[b] = 1;
            boundStale[b] = false;
        } else if (!boundStale[b]) {
            long m = t.freeMemory[host];
            if (m > maxMemory[b]) {
                maxMemory[b] = m;
                maxMemoryHolders[b] = 1;
            } else if (m == maxMemory[b]) {
                maxMemoryHolders[b]++;
            }
            int g = t.freeGpu[host];
            if (g > maxGpu[b]) {
                maxGpu[b] = g;
                maxGpuHolders[b] = 1;
            } else if (g == maxGpu[b]) {
                maxGpuHolders[b]++;
            }
        }
    }

    /**
     * Takes a host out of its bucket. {@code memoryBefore} and {@code gpuBefore} are its free
     * amounts while it was in there (the table may already hold the new ones).
     */
    void remove(HostTable t, int host, long memoryBefore, int gpuBefore) {
        int b = t.bucketOf[host];
        int slot = t.slotOf[host];
        int[] hosts = buckets[b];
        int last = --bucketSize[b];
        if (slot != last) {
            int moved = hosts[last];
            hosts[slot] = moved;
            t.slotOf[moved] = slot;
        }
        if (last == 0) {
            nonEmpty[b >>> 6] &= ~(1L << b);
            boundStale[b] = false;
            return;
        }
        if (!boundStale[b]) {
            if (memoryBefore == maxMemory[b] && --maxMemoryHolders[b] == 0) {
                boundStale[b] = true;
            }
            if (gpuBefore == maxGpu[b] && --maxGpuHolders[b] == 0) {
                boundStale[b] = true;
            }
        }
    }

    int bucketSize(int b) {
        return b < bucketSize.length ? bucketSize[b] : 0;
    }

    int host(int b, int slot) {
        return buckets[b][slot];
    }

    /** The lowest non-empty bucket at or above {@code from}, or -1. */
    int nextNonEmpty(int from) {
        int word = from >>> 6;
        if (word >= nonEmpty.length) {
            return -1;
        }
        long bits = nonEmpty[word] & (-1L << from);
        while (true) {
            if (bits != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(bits);
            }
            if (++word == nonEmpty.length) {
                return -1;
            }
            bits = nonEmpty[word];
        }
    }

    /** The highest non-empty bucket at or below {@code from}, or -1. */
    int previousNonEmpty(int from) {
        if (from < 0) {
            return -1;
        }
        int word = Math.min(from >>> 6, nonEmpty.length - 1);
        long bits = word == from >>> 6 ? nonEmpty[word] & (-1L >>> (63 - (from & 63))) : nonEmpty[word];
        while (true) {
            if (bits != 0) {
                return (word << 6) + 63 - Long.numberOfLeadingZeros(bits);
            }
            if (--word < 0) {
                return -1;
            }
            bits = nonEmpty[word];
        }
    }

    /** Hosts in buckets below {@code bucket}: all of them have fewer free vCPUs than its number. */
    int hostsBelow(int bucket) {
        int n = 0;
        for (int b = nextNonEmpty(0); b >= 0 && b < bucket; b = nextNonEmpty(b + 1)) {
            n += bucketSize[b];
        }
        return n;
    }

    /** False when no host of the bucket has this much free memory and GPU: the bucket can be passed over. */
    boolean mayFit(HostTable t, int b, long memory, int gpu) {
        if (boundStale[b]) {
            recomputeBound(t, b);
        }
        return maxMemory[b] >= memory && maxGpu[b] >= gpu;
    }

    private void recomputeBound(HostTable t, int b) {
        long m = -1;
        int mHolders = 0;
        int g = -1;
        int gHolders = 0;
        int[] hosts = buckets[b];
        for (int k = 0, n = bucketSize[b]; k < n; k++) {
            int host = hosts[k];
            long hm = t.freeMemory[host];
            if (hm > m) {
                m = hm;
                mHolders = 1;
            } else if (hm == m) {
                mHolders++;
            }
            int hg = t.freeGpu[host];
            if (hg > g) {
                g = hg;
                gHolders = 1;
            } else if (hg == g) {
                gHolders++;
            }
        }
        maxMemory[b] = m;
        maxMemoryHolders[b] = mHolders;
        maxGpu[b] = g;
        maxGpuHolders[b] = gHolders;
        boundStale[b] = false;
    }

    /**
     * The shelf as a comparable value: for every non-empty bucket its hosts, sorted, and its
     * bound read fresh. Two shelves holding the same hosts at the same free capacity describe
     * alike, whatever order they were filled in. For tests.
     */
    String describe(HostTable t) {
        StringBuilder out = new StringBuilder();
        for (int b = nextNonEmpty(0); b >= 0; b = nextNonEmpty(b + 1)) {
            int[] hosts = Arrays.copyOf(buckets[b], bucketSize[b]);
            Arrays.sort(hosts);
            mayFit(t, b, 0, 0);
            out.append(b).append(Arrays.toString(hosts)).append(" mem≤").append(maxMemory[b]).append('×')
                    .append(maxMemoryHolders[b]).append(" gpu≤").append(maxGpu[b]).append('×').append(maxGpuHolders[b])
                    .append(';');
        }
        return out.toString();
    }

    /** Every host sits in the bucket of its free vCPU at the slot it believes; empty buckets are unmarked. For tests. */
    void checkConsistent(HostTable t) {
        int counted = 0;
        for (int b = 0; b < bucketSize.length; b++) {
            boolean marked = (nonEmpty[b >>> 6] & (1L << b)) != 0;
            if (marked != (bucketSize[b] > 0)) {
                throw new IllegalStateException("bucket " + b + " marked " + marked + " with " + bucketSize[b] + " hosts");
            }
            for (int k = 0; k < bucketSize[b]; k++) {
                int host = buckets[b][k];
                if (t.bucketOf[host] != b || t.slotOf[host] != k || bucketFor(t.freeVcpu[host]) != b) {
                    throw new IllegalStateException("host " + host + " misfiled in bucket " + b);
                }
            }
            counted += bucketSize[b];
        }
        if (counted != size) {
            throw new IllegalStateException("shelf holds " + counted + " of its " + size + " hosts");
        }
    }

    private void ensureBucket(int b) {
        if (b < bucketSize.length) {
            return;
        }
        int n = Math.min(TOP + 1, Math.max(b + 1, bucketSize.length * 2));
        buckets = Arrays.copyOf(buckets, n);
        bucketSize = Arrays.copyOf(bucketSize, n);
        maxMemory = Arrays.copyOf(maxMemory, n);
        maxMemoryHolders = Arrays.copyOf(maxMemoryHolders, n);
        maxGpu = Arrays.copyOf(maxGpu, n);
        maxGpuHolders = Arrays.copyOf(maxGpuHolders, n);
        boundStale = Arrays.copyOf(boundStale, n);
        int words = (n + 63) >>> 6;
        if (words > nonEmpty.length) {
            nonEmpty = Arrays.copyOf(nonEmpty, words);
        }
    }
}
