package io.skydeck.network.ipam.store;

import io.skydeck.network.ipam.AllocationRule;
import io.skydeck.network.ipam.AllocationRule.Borrow;
import io.skydeck.network.ipam.AllocationRule.Candidate;
import io.skydeck.network.ipam.AllocationRule.Choice;
import io.skydeck.network.ipam.AllocationRule.Exhausted;
import io.skydeck.network.ipam.AllocationRule.FromOwnBlock;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Quarantine;
import io.skydeck.network.ipam.VpcLayout;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * One network's blocks as this replica knows them, and the way a host's next address is picked.
 *
 * <p><b>Fast path</b> (no database): the lowest free address of the host's lowest block that has
 * one — the first case of {@link AllocationRule}. <b>Slow path</b>, only when the host's blocks
 * look full, under the host's lock (so one replica claims at most one block at a time per host):
 * re-read the host's blocks if a quarantine may have ended since they were read (or another
 * replica may have claimed a block for the host); else claim the zone's lowest unclaimed block
 * ({@code UPDATE ... FOR UPDATE SKIP LOCKED}, one winner; a zone where a claim found none is not
 * asked again for a quarantine period); else, unless strict, borrow: from a
 * block the host borrowed from before if the cache shows room there, else from the roomiest of the
 * zone's blocks this replica has cached, else from the roomiest a read of the zone finds; else the
 * zone is exhausted.
 *
 * <p>What is picked here is only a candidate: {@link GroupCommit}'s INSERT decides, and a refused
 * candidate makes the caller re-read that block ({@link #refreshBlock}) and pick again.
 */
final class LocalBlocks {

    /** A candidate address: this offset of this block, marked taken here until its commit resolves. */
    record Pick(CachedBlock block, int offset) {
    }

    private static final String BLOCK_ROWS = """
            SELECT b.block_index, b.host, a.address - ?::inet, a.released_at
              FROM ipam_block b
              LEFT JOIN ipam_address a ON a.network_id = b.network_id
                   AND a.address BETWEEN ?::inet + b.block_index::bigint * ? AND ?::inet + ((b.block_index::bigint + 1) * ? - 1)
             WHERE b.network_id = ? AND b.zone = ? AND b.host IS NOT NULL""";
    private static final String HOST_BLOCK_ROWS = BLOCK_ROWS + " AND b.host = ?";
    private static final String OTHER_BLOCK_ROWS = BLOCK_ROWS + " AND b.host <> ?";
    private static final String ONE_BLOCK_ROWS = """
            SELECT address - ?::inet, released_at FROM ipam_address
             WHERE network_id = ? AND address BETWEEN ?::inet + ? AND ?::inet + ?""";
    private static final String CLAIM = """
            UPDATE ipam_block SET host = ?, claimed_at = ?
             WHERE network_id = ? AND block_index = (
                   SELECT block_index FROM ipam_block
                    WHERE network_id = ? AND zone = ? AND host IS NULL
                    ORDER BY block_index LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING block_index""";

    /** Reads of the zone's other blocks one borrow makes before it gives up. */
    private static final int BORROW_LOOKS = 3;

    final UUID network;
    final VpcLayout layout;
    final boolean strict;
    private final String base;
    private final long baseNumber;
    private final DataSource dataSource;
    private final Quarantine quarantine;
    private final Map<Integer, CachedBlock> blocks = new ConcurrentHashMap<>();
    /**
     * Zones where a claim found no unclaimed block, and when to ask again: blocks are given back only
     * with the network, but a claim skips blocks other claims hold locked, which may yet roll back.
     */
    private final Map<String, Instant> noClaimUntil = new ConcurrentHashMap<>();
    /** Zone, then host: no key is built per allocation (this lookup is on the fast path). */
    private final Map<String, Map<String, HostBlocks>> hosts = new ConcurrentHashMap<>();

    LocalBlocks(UUID network, VpcLayout layout, boolean strict, DataSource dataSource, Quarantine quarantine) {
        this.network = network;
        this.layout = layout;
        this.strict = strict;
        this.base = layout.vpc().first().toString();
        this.baseNumber = layout.vpc().first().lo();
        this.dataSource = dataSource;
        this.quarantine = quarantine;
    }

    /** An address committed as reserved for the host by this replica, not yet bound to an owner. */
    record Ready(CachedBlock block, int offset, Instant reservedAt) {
    }

    private static final Comparator<Ready> READY_ORDER = Comparator.<Ready>comparingInt(r -> r.block().index).thenComparingInt(Ready::offset);

    /** The blocks one host of one zone claimed, ascending, and its ready addresses; guarded by itself. */
    static final class HostBlocks {
        final String zone;
        final String host;
        int[] blocks = new int[0];
        /** Other hosts' blocks this host borrowed from, tried (from the cache) before the zone is read again. */
        int[] lenders = new int[0];
        Instant refreshDue = Instant.MIN;
        /** Reserved addresses, lowest first (batches of several committers are answered in any order). */
        final PriorityQueue<Ready> ready = new PriorityQueue<>(READY_ORDER);
        /** The reservation batch in flight for this host, if any: at most one at a time. */
        CompletableFuture<Void> refill;
        /** Blocks of candidates the database refused (another replica took them): re-read before the next reservation. */
        final Set<CachedBlock> refused = new HashSet<>();

        HostBlocks(String zone, String host) {
            this.zone = zone;
            this.host = host;
        }
    }

    HostBlocks host(String zone, String host) {
        Map<String, HostBlocks> inZone = hosts.get(zone);
        if (inZone == null) {
            layout.zoneIndex(zone);
            inZone = hosts.computeIfAbsent(zone, z -> new ConcurrentHashMap<>());
        }
        HostBlocks known = inZone.get(host);
        return known != null ? known : inZone.computeIfAbsent(host, h -> new HostBlocks(zone, h));
    }

    /** The addresses held ready for this network's hosts. */
    int readyCount() {
        int count = 0;
        for (Map<String, HostBlocks> inZone : hosts.values()) {
            for (HostBlocks h : inZone.values()) {
                synchronized (h) {
                    count += h.ready.size();
                }
            }
        }
        return count;
    }

    /** The block as this replica knows it, or null. */
    CachedBlock block(int index) {
        return blocks.get(index);
    }

    /** The IPv4 address as a number. */
    long number(Pick p) {
        return baseNumber + (long) p.block().index * layout.blockSize() + p.offset();
    }

    Pick pick(HostBlocks h, Instant now) throws SQLException {
        synchronized (h) {
            Pick own = fromOwnBlocks(h);
            if (own != null) {
                return own;
            }
            if (!now.isBefore(h.refreshDue) || Arrays.stream(h.blocks).anyMatch(i -> blocks.get(i).refreshDue(now))) {
                refreshHost(h, now);
            }
            Choice choice = AllocationRule.choose(candidates(h.blocks), true, strict, List.of());
            if (choice instanceof FromOwnBlock f) {
                Pick p = take(blocks.get(f.blockIndex()), f.offset());
                if (p != null) {
                    return p;
                }
            }
            Pick claimed = now.isBefore(noClaimUntil.getOrDefault(h.zone, Instant.MIN)) ? null : claim(h, now);
            if (claimed != null) {
                return claimed;
            }
            // A host that borrowed tries its lenders as this replica knows them before it reads the zone again.
            for (int i : strict ? new int[0] : h.lenders) {
                CachedBlock lender = blocks.get(i);
                int offset = lender.pickLowest();
                if (offset >= 0) {
                    return new Pick(lender, offset);
                }
            }
            // Other borrowers and the lenders themselves may take a chosen address meanwhile: then the
            // next roomiest block of the same read, and when none is left, a new read (a few times).
            for (int look = 0; look <= BORROW_LOOKS; look++) {
                // First from the blocks of the zone this replica already knows (their use as it last saw it
                // plus its own picks since: the commit re-checks), then from reads of the zone.
                List<Candidate> others = strict ? List.of() : new ArrayList<>(look == 0 ? knownOtherBlocks(h) : otherBlocks(h, now));
                boolean anyRoom = false;
                while (true) {
                    choice = AllocationRule.choose(candidates(h.blocks), false, strict, others);
                    if (!(choice instanceof Borrow b)) {
                        break;
                    }
                    anyRoom = true;
                    Pick p = take(blocks.get(b.blockIndex()), b.offset());
                    if (p != null) {
                        if (Arrays.stream(h.lenders).noneMatch(i -> i == b.blockIndex())) {
                            h.lenders = Arrays.copyOf(h.lenders, h.lenders.length + 1);
                            h.lenders[h.lenders.length - 1] = b.blockIndex();
                        }
                        return p;
                    }
                    others.removeIf(c -> c.blockIndex() == b.blockIndex());
                }
                if (!anyRoom && look > 0) {
                    break; // the read itself found the zone full
                }
            }
            String why = choice instanceof Exhausted e ? e.why() : "the zone's free addresses were taken meanwhile";
            throw new IpamRefusal(IpamRefusal.Reason.ZONE_EXHAUSTED,
                    "no address for host " + h.host + " in zone " + h.zone + " (" + layout.zoneRange(h.zone) + "): " + why);
        }
    }

    /**
     * The fast path alone: the next free address of the host's own blocks as this replica knows
     * them, or null. Never reads the database, never claims or borrows: ready addresses are only
     * ever taken from blocks the host claimed already.
     */
    Pick pickOwn(HostBlocks h) {
        synchronized (h) {
            return fromOwnBlocks(h);
        }
    }

    private Pick fromOwnBlocks(HostBlocks h) {
        for (int i : h.blocks) {
            CachedBlock b = blocks.get(i);
            int offset = b.pickLowest();
            if (offset >= 0) {
                return new Pick(b, offset);
            }
        }
        return null;
    }

    private static Pick take(CachedBlock b, int offset) {
        if (b.pick(offset)) {
            return new Pick(b, offset);
        }
        int other = b.pickLowest();
        return other < 0 ? null : new Pick(b, other);
    }

    private List<Candidate> candidates(int[] indexes) {
        List<Candidate> list = new ArrayList<>(indexes.length);
        for (int i : indexes) {
            list.add(new Candidate(i, blocks.get(i).bitmap()));
        }
        return list;
    }

    private Pick claim(HostBlocks h, Instant now) throws SQLException {
        Integer index = null;
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(CLAIM)) {
            s.setString(1, h.host);
            s.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            s.setObject(3, network);
            s.setObject(4, network);
            s.setString(5, h.zone);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    index = rs.getInt(1);
                }
            }
        }
        if (index == null) {
            noClaimUntil.put(h.zone, now.plus(quarantine.period()));
            return null;
        }
        // An unclaimed block holds no addresses: nobody borrows from a block no host claimed.
        CachedBlock fresh = new CachedBlock(index, h.host, layout.blockSize(), layout.reservedBits(index), 0, now.plus(quarantine.period()));
        blocks.put(index, fresh);
        int[] grown = Arrays.copyOf(h.blocks, h.blocks.length + 1);
        grown[grown.length - 1] = index;
        Arrays.sort(grown);
        h.blocks = grown;
        int offset = fresh.pickLowest();
        return offset < 0 ? null : new Pick(fresh, offset);
    }

    /** Re-reads the host's blocks (also those another replica claimed for it) and their addresses. */
    private void refreshHost(HostBlocks h, Instant now) throws SQLException {
        Map<Integer, CachedBlock> read = readBlocks(HOST_BLOCK_ROWS, h.zone, h.host, now);
        h.blocks = read.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        h.refreshDue = now.plus(quarantine.period());
    }

    /** The zone's blocks claimed by other hosts that this replica has in its cache, with their use as it knows it. */
    private List<Candidate> knownOtherBlocks(HostBlocks h) {
        List<Candidate> list = new ArrayList<>();
        for (CachedBlock b : blocks.values()) {
            if (!b.host.equals(h.host) && layout.zoneOfBlock(b.index).equals(h.zone)) {
                list.add(new Candidate(b.index, b.bitmap()));
            }
        }
        return list;
    }

    /** Reads the zone's blocks claimed by other hosts, with their use, for borrowing. */
    private List<Candidate> otherBlocks(HostBlocks h, Instant now) throws SQLException {
        Map<Integer, CachedBlock> read = readBlocks(OTHER_BLOCK_ROWS, h.zone, h.host, now);
        List<Candidate> list = new ArrayList<>(read.size());
        read.forEach((i, b) -> list.add(new Candidate(i, b.bitmap())));
        return list;
    }

    private Map<Integer, CachedBlock> readBlocks(String sql, String zone, String host, Instant now) throws SQLException {
        Map<Integer, String> hostOf = new HashMap<>();
        Map<Integer, Long> taken = new HashMap<>();
        Map<Integer, Instant> due = new HashMap<>();
        Instant nextLook = now.plus(quarantine.period());
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            int size = layout.blockSize();
            s.setString(1, base);
            s.setString(2, base);
            s.setLong(3, size);
            s.setString(4, base);
            s.setLong(5, size);
            s.setObject(6, network);
            s.setString(7, zone);
            s.setString(8, host);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int index = rs.getInt(1);
                    hostOf.put(index, rs.getString(2));
                    taken.putIfAbsent(index, 0L);
                    due.putIfAbsent(index, nextLook);
                    long offset = rs.getLong(3);
                    if (rs.wasNull()) {
                        continue;
                    }
                    Instant releasedAt = instant(rs.getObject(4, OffsetDateTime.class));
                    if (releasedAt == null || !quarantine.isOver(releasedAt, now)) {
                        taken.merge(index, 1L << (offset % size), (x, y) -> x | y);
                    }
                    if (releasedAt != null && !quarantine.isOver(releasedAt, now)) {
                        due.merge(index, releasedAt.plus(quarantine.period()), (x, y) -> x.isBefore(y) ? x : y);
                    }
                }
            }
        }
        Map<Integer, CachedBlock> read = new HashMap<>();
        hostOf.forEach((index, blockHost) -> {
            CachedBlock b = blocks.computeIfAbsent(index,
                    i -> new CachedBlock(i, blockHost, layout.blockSize(), layout.reservedBits(i), 0, due.get(i)));
            b.refreshed(taken.get(index), due.get(index));
            read.put(index, b);
        });
        return read;
    }

    /** Re-reads one block after the database refused a candidate of it. */
    void refreshBlock(CachedBlock b, Instant now) throws SQLException {
        long first = (long) b.index * layout.blockSize();
        long taken = 0;
        Instant due = now.plus(quarantine.period());
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(ONE_BLOCK_ROWS)) {
            s.setString(1, base);
            s.setObject(2, network);
            s.setString(3, base);
            s.setLong(4, first);
            s.setString(5, base);
            s.setLong(6, first + layout.blockSize() - 1);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long offset = rs.getLong(1) - first;
                    Instant releasedAt = instant(rs.getObject(2, OffsetDateTime.class));
                    if (releasedAt == null || !quarantine.isOver(releasedAt, now)) {
                        taken |= 1L << offset;
                    }
                    if (releasedAt != null && !quarantine.isOver(releasedAt, now) && releasedAt.plus(quarantine.period()).isBefore(due)) {
                        due = releasedAt.plus(quarantine.period());
                    }
                }
            }
        }
        b.refreshed(taken, due);
    }

    /** This replica released an address of a block it knows: look again once its quarantine is over. */
    void released(int blockIndex, Instant quarantineEnd) {
        CachedBlock b = blocks.get(blockIndex);
        if (b != null) {
            b.releasedUntil(quarantineEnd);
        }
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
