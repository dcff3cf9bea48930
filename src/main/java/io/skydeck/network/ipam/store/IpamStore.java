package io.skydeck.network.ipam.store;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.BlockUse;
import io.skydeck.network.ipam.ClaimedBlock;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import io.skydeck.network.ipam.Quarantine;
import io.skydeck.network.ipam.Route;
import io.skydeck.network.ipam.VpcLayout;
import io.skydeck.network.ipam.ZoneUse;
import io.skydeck.network.ipam.store.LocalBlocks.HostBlocks;
import io.skydeck.network.ipam.store.LocalBlocks.Pick;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The local hierarchical IPAM on PostgreSQL (tables of migration V20): a host hands out addresses
 * from blocks it claimed, with no lock shared by the network, and claims a block only when its
 * blocks are full (Calico's block affinity; the seed's answer to the central IPAM bottleneck).
 *
 * <p><b>Who decides.</b> PostgreSQL: a block is a row claimed atomically, an address is a committed
 * row under the key (network, address), so two replicas can never hand out one address, and a
 * replica that dies at any moment leaves only committed decisions behind. Each replica keeps the
 * use of the blocks it serves in memory ({@link LocalBlocks}) only to know where to try; the
 * commit re-checks, and a refused candidate re-reads its block and tries again (a bounded number
 * of times).
 *
 * <p><b>Why plain JDBC.</b> The target is tens of thousands of allocations a second; one commit
 * per address cannot get there, so concurrent allocations of a replica are written together, one
 * multi-row statement per transaction, with each caller answered after the commit
 * ({@link GroupCommit}). That batching, the array parameters and {@code ON CONFLICT ... RETURNING}
 * are not what entities are for. The bench compiles this package into its jar (bench/pom.xml), so
 * {@code bench/run ipam} times exactly this class.
 *
 * <p><b>Two ways to hand out an address.</b> {@link #take} (the service's): a host keeps a few
 * addresses reserved ahead of need (rows owned by this replica, committed in the background), a
 * take hands one out from memory, and {@link #bind} makes it the owner's inside the owner's own
 * transaction, so it is the owner's exactly when the owner commits. {@link #allocate}: the caller
 * waits for its own row, committed with its owner, and releases it itself if its later work fails.
 *
 * <p>Calls block (the service runs them on worker threads); all but {@link #bind} run on the
 * store's own connections, outside the caller's transaction.
 */
public final class IpamStore implements AutoCloseable {

    /**
     * @param quarantine  how long a released address rests before it is handed out again
     * @param committers  threads writing address rows, each keeping one connection (one is enough with asynchronous commits)
     * @param maxBatch    most rows in one commit
     * @param maxAttempts candidates one allocation tries before it gives up (each refusal re-reads the block)
     * @param ready       addresses a host keeps reserved ahead of its next {@link #take}s, per network (0: none)
     * @param readyFor    how long a reservation may wait for its take; older ones are left to {@link #sweepReservations}
     */
    public record Settings(Duration quarantine, int committers, int maxBatch, int maxAttempts, int ready, Duration readyFor) {
        public Settings {
            Objects.requireNonNull(quarantine, "quarantine");
            Objects.requireNonNull(readyFor, "readyFor");
            if (committers < 1 || maxBatch < 1 || maxAttempts < 1 || ready < 0) {
                throw new IllegalArgumentException("committers, maxBatch and maxAttempts must be positive, ready not negative");
            }
        }

        /** Four ready addresses per host and network, each usable for five minutes. */
        public Settings(Duration quarantine, int committers, int maxBatch, int maxAttempts) {
            this(quarantine, committers, maxBatch, maxAttempts, 4, Duration.ofMinutes(5));
        }

        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(5), 1, 512, 16);
        }
    }

    /**
     * An address {@link #take} handed out: committed as reserved for its host by this replica, not
     * yet anyone's. {@link #bind} makes it the owner's in the owner's own transaction.
     */
    public record Reservation(UUID network, Allocation allocation, Instant reservedAt) {
    }

    /** The database could not be reached or refused the work; the caller may retry. */
    public static final class StorageFailure extends RuntimeException {
        StorageFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final String REGISTER = """
            INSERT INTO ipam_network (network_id, cidr, zones, zone_prefix, block_prefix, strict, registered_at)
            VALUES (?, ?::cidr, ?, ?, ?, ?, ?) ON CONFLICT (network_id) DO NOTHING""";
    private static final String CREATE_BLOCKS = """
            INSERT INTO ipam_block (network_id, block_index, zone, cidr)
            SELECT ?, i, (?::text[])[i / ? + 1], set_masklen(?::inet + i::bigint * ?, ?)::cidr
              FROM generate_series(0, ? - 1) AS i""";
    private static final String NETWORK = "SELECT cidr::text, zones, strict FROM ipam_network WHERE network_id = ?";
    private static final String RELEASE = """
            UPDATE ipam_address SET released_at = ?
             WHERE network_id = ? AND address = ?::inet AND released_at IS NULL
               AND (?::text IS NULL OR (owner_type = ? AND owner_id = ?))
            RETURNING block_index""";
    private static final String ADDRESSES_OF = """
            SELECT host(address) FROM ipam_address
             WHERE owner_type = ? AND owner_id = ? AND network_id = ? AND released_at IS NULL ORDER BY address""";
    private static final String BLOCK_USE = """
            SELECT b.block_index, b.host,
                   count(a.address) FILTER (WHERE a.released_at IS NULL AND a.owner_type <> 'reserved'),
                   count(a.address) FILTER (WHERE a.released_at > ?)
              FROM ipam_block b
              LEFT JOIN ipam_address a ON a.network_id = b.network_id
                   AND a.address BETWEEN ?::inet + b.block_index::bigint * ? AND ?::inet + ((b.block_index::bigint + 1) * ? - 1)
             WHERE b.network_id = ? AND b.host IS NOT NULL
             GROUP BY b.block_index, b.host ORDER BY b.block_index""";
    /** Owner type of an address reserved for a host and not yet bound; the owner id is the reserving replica's. */
    static final String RESERVED = "reserved";
    private static final String BIND = """
            UPDATE ipam_address SET owner_type = ?, owner_id = ?, allocated_at = ?
             WHERE network_id = ? AND address = ?::inet AND owner_type = 'reserved' AND owner_id = ? AND released_at IS NULL""";
    /**
     * The statement that binds a reservation as {@link #bind} does, for a caller that sends it with
     * others in its own transaction's pipeline, with {@link #bindParameters}: it raises SQLSTATE
     * {@link #BIND_REFUSED} instead of answering false when the reservation is gone (V58).
     */
    public static final String BIND_OR_REFUSE = "SELECT ipam_bind(?, ?, ?, ?, CAST(? AS inet), ?)";

    /** The SQLSTATE {@link #BIND_OR_REFUSE} refuses with. */
    public static final String BIND_REFUSED = "SKI01";

    private static final String SWEEP_RESERVATIONS = """
            UPDATE ipam_address SET released_at = ?
             WHERE owner_type = 'reserved' AND released_at IS NULL AND allocated_at < ?""";
    private static final String CLAIMED = "SELECT block_index, host FROM ipam_block WHERE network_id = ? AND host IS NOT NULL";

    private final DataSource dataSource;
    private final Clock clock;
    private final Settings settings;
    private final Quarantine quarantine;
    private final GroupCommit commits;
    private final Map<UUID, LocalBlocks> networks = new ConcurrentHashMap<>();
    /** This replica's reservations are rows owned by it: another replica can never take or bind them. */
    private final Owner reserver = new Owner(RESERVED, UUID.randomUUID().toString());

    public IpamStore(DataSource dataSource, Clock clock, Settings settings) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.quarantine = new Quarantine(settings.quarantine());
        this.commits = new GroupCommit(dataSource, clock, quarantine::cutoff, settings.committers(), settings.maxBatch());
    }

    /**
     * Lays the network out and creates its blocks; registering the same layout again changes
     * nothing, another layout for a registered network is a {@code LAYOUT_CONFLICT} refusal.
     */
    public VpcLayout register(UUID network, Cidr vpc, List<String> zones, boolean strict) {
        VpcLayout layout = VpcLayout.of(vpc, zones);
        LocalBlocks known = networks.get(network);
        if (known != null && known.layout.equals(layout) && known.strict == strict) {
            // Read from the database by this replica already; a layout never changes. Callers may register before each allocation.
            return layout;
        }
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                boolean created;
                try (PreparedStatement s = c.prepareStatement(REGISTER)) {
                    s.setObject(1, network);
                    s.setString(2, vpc.toString());
                    s.setArray(3, c.createArrayOf("text", zones.toArray()));
                    s.setInt(4, layout.zonePrefix());
                    s.setInt(5, layout.blockPrefix());
                    s.setBoolean(6, strict);
                    s.setObject(7, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
                    created = s.executeUpdate() == 1;
                }
                if (created) {
                    try (PreparedStatement s = c.prepareStatement(CREATE_BLOCKS)) {
                        s.setObject(1, network);
                        s.setArray(2, c.createArrayOf("text", zones.toArray()));
                        s.setInt(3, layout.blocksPerZone());
                        s.setString(4, vpc.first().toString());
                        s.setLong(5, layout.blockSize());
                        s.setInt(6, layout.blockPrefix());
                        s.setInt(7, layout.blockCount());
                        s.executeUpdate();
                    }
                }
                c.commit();
                if (!created) {
                    LocalBlocks stored = load(c, network);
                    if (!stored.layout.equals(layout) || stored.strict != strict) {
                        throw new IpamRefusal(IpamRefusal.Reason.LAYOUT_CONFLICT, "network " + network + " is registered as "
                                + stored.layout.vpc() + " over " + stored.layout.zones() + (stored.strict ? ", strict" : "")
                                + "; it cannot become " + vpc + " over " + zones + (strict ? ", strict" : ""));
                    }
                }
                return layout;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new StorageFailure("could not register network " + network, e);
        }
    }

    /**
     * Hands {@code host} (in {@code zone}) an address of the network for {@code owner}; returns once
     * the address row is committed. Refuses ({@link IpamRefusal}) an unknown network or zone, and a
     * zone with nothing left for this host.
     */
    public Allocation allocate(UUID network, String zone, String host, Owner owner) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(owner, "owner");
        LocalBlocks n = local(network);
        HostBlocks h = n.host(zone, host);
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            Instant now = clock.instant();
            Pick p = store(n, pick(n, h, now), host, owner, now);
            if (p != null) {
                return allocation(n, p.block(), p.offset(), zone, host);
            }
        }
        throw new StorageFailure("no address of zone " + zone + " could be committed for host " + host + " in "
                + settings.maxAttempts() + " attempts: other replicas keep taking the candidates", null);
    }

    /**
     * An address for {@code host} (in {@code zone}) that no one else can have: one the host holds
     * ready when it has one — no database, no waiting — else a reservation committed now (which
     * may claim or borrow a block, as {@link #allocate} does). Taking keeps the host's ready
     * addresses topped up in the background: whenever they fall to half of
     * {@link Settings#ready}, the next ones from the host's own blocks are reserved through the
     * group commit, with nobody waiting for them. The address becomes an owner's only by
     * {@link #bind} in the owner's transaction; until then it is held by this replica (a replica
     * that dies leaves its reservations to {@link #sweepReservations}).
     */
    public Reservation take(UUID network, String zone, String host) {
        Objects.requireNonNull(host, "host");
        LocalBlocks n = local(network);
        HostBlocks h = n.host(zone, host);
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            Instant now = clock.instant();
            Pick p;
            synchronized (h) {
                LocalBlocks.Ready r = freshest(h, now);
                if (r != null) {
                    if (h.ready.size() * 2 <= settings.ready()) {
                        topUp(n, h, now);
                    }
                    return reservation(n, h, r);
                }
                p = pick(n, h, now);
            }
            // Nothing ready: reserve one for this caller alone and wait for it, as allocate does.
            if (store(n, p, host, reserver, now) != null) {
                synchronized (h) {
                    topUp(n, h, now);
                }
                return reservation(n, h, new LocalBlocks.Ready(p.block(), p.offset(), now));
            }
        }
        throw new StorageFailure("no address of zone " + zone + " could be reserved for host " + host + " in "
                + settings.maxAttempts() + " attempts: other replicas keep taking the candidates", null);
    }

    /**
     * Makes a taken address the owner's, on the caller's connection and so in the caller's
     * transaction: it is the owner's exactly when that transaction commits. False if the
     * reservation is gone (swept after {@link Settings#readyFor}, or lost with a crash of the
     * database); take another then.
     */
    public boolean bind(Connection c, Reservation r, Owner owner) throws SQLException {
        Object[] parameters = bindParameters(r, owner);
        try (PreparedStatement s = c.prepareStatement(BIND)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            return s.executeUpdate() == 1;
        }
    }

    /** The parameters of {@link #BIND_OR_REFUSE} that make the reservation the owner's. */
    public Object[] bindParameters(Reservation r, Owner owner) {
        Objects.requireNonNull(owner, "owner");
        if (RESERVED.equals(owner.type())) {
            throw new IllegalArgumentException("an address is bound to an owner, not to \"" + RESERVED + "\"");
        }
        return new Object[] {owner.type(), owner.id(), OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC), r.network(),
                r.allocation().address().toString(), reserver.id()};
    }

    /**
     * A reservation that could not be bound (gone from the database): not handed out again, even
     * if it was given back meanwhile by the transaction that tried.
     */
    public void discard(Reservation r) {
        LocalBlocks n = local(r.network());
        Allocation a = r.allocation();
        HostBlocks h = n.host(a.zone(), a.host());
        synchronized (h) {
            h.ready.removeIf(ready -> ready.block().index == n.layout.blockIndexOf(a.address())
                    && ready.offset() == n.layout.offsetInBlock(a.address()));
        }
    }

    /**
     * The transaction that bound the reservation did not commit: the address is this replica's
     * reservation again, ready for the host's next take (unless it is too old to be used).
     */
    public void giveBack(Reservation r) {
        LocalBlocks n = local(r.network());
        Allocation a = r.allocation();
        CachedBlock b = n.block(n.layout.blockIndexOf(a.address()));
        if (b == null || !fresh(r.reservedAt(), clock.instant())) {
            return;
        }
        HostBlocks h = n.host(a.zone(), a.host());
        synchronized (h) {
            h.ready.add(new LocalBlocks.Ready(b, n.layout.offsetInBlock(a.address()), r.reservedAt()));
        }
    }

    /**
     * Releases, into quarantine, every reservation (of any replica) made before {@code cutoff}
     * and never bound: those of replicas that died or stopped, and those a replica let age past
     * {@link Settings#readyFor}. The cutoff must lie further back than {@code readyFor}, so that a
     * live replica never binds a swept reservation; if it did, its bind would find nothing.
     */
    public int sweepReservations(Instant cutoff) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(SWEEP_RESERVATIONS)) {
            s.setObject(1, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
            s.setObject(2, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new StorageFailure("could not sweep old reservations", e);
        }
    }

    /** Addresses this replica holds ready, over every network and host (for the bench's accounting). */
    public int readyCount() {
        int count = 0;
        for (LocalBlocks n : networks.values()) {
            count += n.readyCount();
        }
        return count;
    }

    /** The host's lowest usable ready address; those past {@link Settings#readyFor} are dropped here (the sweep frees them). */
    private LocalBlocks.Ready freshest(HostBlocks h, Instant now) {
        LocalBlocks.Ready r;
        while ((r = h.ready.poll()) != null) {
            if (fresh(r.reservedAt(), now)) {
                return r;
            }
        }
        return null;
    }

    private boolean fresh(Instant reservedAt, Instant now) {
        return reservedAt.plus(settings.readyFor()).isAfter(now);
    }

    private Reservation reservation(LocalBlocks n, HostBlocks h, LocalBlocks.Ready r) {
        return new Reservation(n.network, allocation(n, r.block(), r.offset(), h.zone, h.host), r.reservedAt());
    }

    private static Allocation allocation(LocalBlocks n, CachedBlock b, int offset, String zone, String host) {
        return new Allocation(n.layout.address(b.index, offset), n.layout.block(b.index), zone, host, b.host);
    }

    /** The host's next candidate (the slow path may read the database, claim or borrow, or refuse). */
    private static Pick pick(LocalBlocks n, HostBlocks h, Instant now) {
        try {
            return n.pick(h, now);
        } catch (SQLException e) {
            throw new StorageFailure("could not read or claim blocks of network " + n.network, e);
        }
    }

    /**
     * Commits the candidate's row for {@code owner} and waits for it, queued ahead of background
     * reservations: the candidate if it was stored, null (its block re-read) if another replica had
     * taken the address.
     */
    private Pick store(LocalBlocks n, Pick p, String host, Owner owner, Instant now) {
        boolean stored;
        try {
            stored = commits.submit(n.network, n.number(p), p.block().index, host, owner, true).join();
        } catch (CompletionException e) {
            throw new StorageFailure("the commit of an address of network " + n.network + " failed; it may or may not be stored",
                    e.getCause());
        } finally {
            p.block().resolved(p.offset());
        }
        if (stored) {
            return p;
        }
        try {
            n.refreshBlock(p.block(), now);
        } catch (SQLException e) {
            throw new StorageFailure("could not re-read block " + p.block().index + " of network " + n.network, e);
        }
        return null;
    }

    /**
     * {@link #reserve} for a caller that has its address already: the top-up is background work,
     * and its failure (the database unreachable, the store closing) must not cost the caller the
     * address it holds; the host's next take tries again.
     */
    private void topUp(LocalBlocks n, HostBlocks h, Instant now) {
        try {
            reserve(n, h, now);
        } catch (RuntimeException e) {
            // nothing reserved beyond what was submitted; see the method comment
        }
    }

    /**
     * Tops the host's ready addresses up, under the host's lock, unless a batch is in flight: up to
     * {@link Settings#ready} addresses from the host's own blocks as this replica knows them (never
     * a claim or a borrow: those are for a caller that needs one). The rows go through the group
     * commit with nobody waiting; each stored one joins the host's ready addresses when its commit
     * is answered, a refused one has its block re-read before the next batch.
     */
    private void reserve(LocalBlocks n, HostBlocks h, Instant now) {
        if (h.refill != null) {
            return;
        }
        for (CachedBlock b : h.refused) {
            try {
                n.refreshBlock(b, now);
            } catch (SQLException e) {
                throw new StorageFailure("could not re-read block " + b.index + " of network " + n.network, e);
            }
        }
        h.refused.clear();
        List<Pick> picks = new ArrayList<>();
        for (int i = h.ready.size(); i < settings.ready(); i++) {
            Pick p = n.pickOwn(h);
            if (p == null) {
                break;
            }
            picks.add(p);
        }
        if (picks.isEmpty()) {
            return;
        }
        CompletableFuture<?>[] each = new CompletableFuture<?>[picks.size()];
        for (int i = 0; i < each.length; i++) {
            Pick p = picks.get(i);
            CompletableFuture<Boolean> stored;
            try {
                stored = commits.submit(n.network, n.number(p), p.block().index, h.host, reserver, false);
            } catch (RuntimeException e) {
                picks.subList(i, picks.size()).forEach(q -> q.block().resolved(q.offset()));
                throw e;
            }
            each[i] = stored.whenComplete((ok, failure) -> {
                p.block().resolved(p.offset());
                synchronized (h) {
                    if (Boolean.TRUE.equals(ok)) {
                        h.ready.add(new LocalBlocks.Ready(p.block(), p.offset(), now));
                    } else if (failure == null) {
                        h.refused.add(p.block());
                    }
                }
            });
        }
        CompletableFuture<Void> batch = CompletableFuture.allOf(each);
        h.refill = batch;
        batch.whenComplete((v, failure) -> {
            synchronized (h) {
                if (h.refill == batch) {
                    h.refill = null;
                }
            }
        });
    }

    /**
     * Releases an address into quarantine; it returns to its block when the quarantine is over.
     * Returns false if it was not allocated (released already, or never), so a retried release is harmless.
     */
    public boolean release(UUID network, IpAddress address) {
        return release(network, address, null);
    }

    /**
     * Releases the address only while {@code owner} holds it: a late or repeated release can then
     * never free an address that has since gone, through its quarantine, to someone else.
     */
    public boolean release(UUID network, IpAddress address, Owner owner) {
        LocalBlocks n = local(network);
        Instant now = clock.instant();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(RELEASE)) {
            s.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            s.setObject(2, network);
            s.setString(3, address.toString());
            s.setString(4, owner == null ? null : owner.type());
            s.setString(5, owner == null ? null : owner.type());
            s.setString(6, owner == null ? null : owner.id());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                n.released(rs.getInt(1), now.plus(quarantine.period()));
                return true;
            }
        } catch (SQLException e) {
            throw new StorageFailure("could not release " + address + " of network " + network, e);
        }
    }

    /**
     * The addresses the owner holds in the network (for an operation that resumes after a crash);
     * reads the network's rows, there being no index by owner on the hot table.
     */
    public List<IpAddress> addressesOf(UUID network, Owner owner) {
        List<IpAddress> addresses = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(ADDRESSES_OF)) {
            s.setString(1, owner.type());
            s.setString(2, owner.id());
            s.setObject(3, network);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    addresses.add(IpAddress.parse(rs.getString(1)));
                }
            }
        } catch (SQLException e) {
            throw new StorageFailure("could not read the addresses of " + owner, e);
        }
        return addresses;
    }

    /** Per zone: its range, its blocks, and each claimed block with its host and use, read from the database. */
    public List<ZoneUse> blocks(UUID network) {
        VpcLayout layout = local(network).layout;
        Instant cutoff = quarantine.cutoff(clock.instant());
        Map<String, List<BlockUse>> byZone = new LinkedHashMap<>();
        layout.zones().forEach(z -> byZone.put(z, new ArrayList<>()));
        String base = layout.vpc().first().toString();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(BLOCK_USE)) {
            s.setObject(1, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
            s.setString(2, base);
            s.setLong(3, layout.blockSize());
            s.setString(4, base);
            s.setLong(5, layout.blockSize());
            s.setObject(6, network);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int index = rs.getInt(1);
                    String zone = layout.zoneOfBlock(index);
                    byZone.get(zone).add(new BlockUse(index, layout.block(index), zone, rs.getString(2), rs.getInt(3), rs.getInt(4),
                            layout.usableIn(index), layout.blockSize()));
                }
            }
        } catch (SQLException e) {
            throw new StorageFailure("could not read the blocks of network " + network, e);
        }
        List<ZoneUse> zones = new ArrayList<>();
        byZone.forEach((zone, claimed) -> zones.add(new ZoneUse(zone, layout.zoneRange(zone), layout.blocksPerZone(), claimed.size(), claimed)));
        return zones;
    }

    /** One route per claimed block, to its host: routes = blocks, whatever the number of addresses. */
    public List<Route> routes(UUID network) {
        VpcLayout layout = local(network).layout;
        List<ClaimedBlock> claimed = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(CLAIMED)) {
            s.setObject(1, network);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int index = rs.getInt(1);
                    claimed.add(new ClaimedBlock(index, layout.block(index), layout.zoneOfBlock(index), rs.getString(2)));
                }
            }
        } catch (SQLException e) {
            throw new StorageFailure("could not read the routes of network " + network, e);
        }
        return Route.of(claimed);
    }

    /**
     * Deletes the network's IPAM rows. Only for a network nothing allocates in any more (the
     * networks API refuses to delete a VPC still in use): another replica's cache is not told.
     */
    public void forget(UUID network) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement addresses = c.prepareStatement("DELETE FROM ipam_address WHERE network_id = ?");
                 PreparedStatement layout = c.prepareStatement("DELETE FROM ipam_network WHERE network_id = ?")) {
                addresses.setObject(1, network);
                addresses.executeUpdate();
                layout.setObject(1, network);
                layout.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new StorageFailure("could not forget network " + network, e);
        }
        networks.remove(network);
    }

    @Override
    public void close() {
        commits.close();
    }

    private LocalBlocks local(UUID network) {
        Objects.requireNonNull(network, "network");
        LocalBlocks known = networks.get(network);
        if (known != null) {
            return known;
        }
        try (Connection c = dataSource.getConnection()) {
            LocalBlocks loaded = load(c, network);
            LocalBlocks raced = networks.putIfAbsent(network, loaded);
            return raced != null ? raced : loaded;
        } catch (SQLException e) {
            throw new StorageFailure("could not read network " + network, e);
        }
    }

    private LocalBlocks load(Connection c, UUID network) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(NETWORK)) {
            s.setObject(1, network);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IpamRefusal(IpamRefusal.Reason.UNKNOWN_NETWORK, "network " + network + " is not registered with the IPAM");
                }
                List<String> zones = Arrays.asList((String[]) rs.getArray(2).getArray());
                VpcLayout layout = VpcLayout.of(Cidr.parse(rs.getString(1)), zones);
                return new LocalBlocks(network, layout, rs.getBoolean(3), dataSource, quarantine);
            }
        }
    }
}
