package io.skydeck.network.ipam.store;

import io.skydeck.network.ipam.Owner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Group commit of address rows: the allocations waiting in this replica go to PostgreSQL together,
 * as one multi-row {@code INSERT ... SELECT FROM unnest(arrays)} in its own transaction, and each
 * caller learns its fate only once that statement has committed. One commit per address costs a
 * WAL flush and a round trip each (a few thousand a second here); a batch pays them once.
 *
 * <p>A few committer threads each take whatever is queued (up to {@code maxBatch}), so while one
 * batch is in the database the next one forms; an idle replica commits a lone request at once. A
 * row a caller waits for is queued ahead of the background reservations, so it rides the next
 * batch however many reservations wait.
 *
 * <p><b>Durability.</b> Each committer keeps one connection for as long as it works and commits
 * on it with {@code synchronous_commit = off}: the commit is atomic and visible to every replica at
 * once, but its WAL record reaches the disk with the next flush rather than before the caller is
 * answered. That is safe here because of who consumes an address. PostgreSQL's WAL is one ordered
 * stream, and a synchronous commit flushes everything before its own record; the service uses an
 * address only inside a transaction on the same database that commits synchronously after the
 * allocation (the server's create), so the address row is on disk before anything that uses the
 * address is. If PostgreSQL crashes first, the allocation and every use of it are lost together,
 * and the address is simply free again. What this saves is the WAL flush each batch used to wait
 * for, the larger part of an allocation's time on a disk shared with other databases.
 *
 * <p>The statement decides, row by row: a new address is inserted; an address whose row is
 * released and out of quarantine is taken over ({@code ON CONFLICT ... DO UPDATE ... WHERE
 * released_at <= cutoff}); any other existing row is left alone and not returned, and that caller
 * is told the address was taken. Rows are sorted by key so that two committers lock shared rows in
 * the same order; a deadlock or serialization failure rolls the batch back and it is retried.
 */
final class GroupCommit implements AutoCloseable {

    /** An address to store; {@code address} is the IPv4 address as a number. */
    record Request(UUID network, long address, int blockIndex, String host, Owner owner, CompletableFuture<Boolean> stored) {
    }

    static final String INSERT = """
            INSERT INTO ipam_address AS a (network_id, address, block_index, host, owner_type, owner_id, allocated_at)
            SELECT (?::uuid[])[u.network], '0.0.0.0'::inet + u.address, u.block_index, u.host, u.owner_type, u.owner_id, ?
              FROM unnest(?::integer[], ?::bigint[], ?::integer[], ?::text[], ?::text[], ?::text[])
                   AS u(network, address, block_index, host, owner_type, owner_id)
            ON CONFLICT (network_id, address) DO UPDATE
               SET block_index = excluded.block_index, host = excluded.host, owner_type = excluded.owner_type,
                   owner_id = excluded.owner_id, allocated_at = excluded.allocated_at, released_at = NULL
             WHERE a.released_at IS NOT NULL AND a.released_at <= ?
            RETURNING a.network_id, a.address - '0.0.0.0'::inet""";

    private static final int RETRIES_AFTER_DEADLOCK = 3;
    private static final Request STOP = new Request(null, 0, 0, null, null, null);

    private final DataSource dataSource;
    private final Clock clock;
    private final Function<Instant, Instant> cutoff;
    private final int maxBatch;
    /** Rows a caller waits for go to the front, background reservations to the back: a waiting caller rides the next batch. */
    private final BlockingDeque<Request> queue = new LinkedBlockingDeque<>();
    private final List<Thread> committers = new ArrayList<>();
    /** Completes the callers' futures after a commit (see {@link #commit}). */
    private final ExecutorService answers = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ipam-answers");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    GroupCommit(DataSource dataSource, Clock clock, Function<Instant, Instant> quarantineCutoff, int committers, int maxBatch) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.cutoff = quarantineCutoff;
        this.maxBatch = maxBatch;
        for (int i = 0; i < committers; i++) {
            Thread t = new Thread(this::run, "ipam-commit-" + i);
            t.setDaemon(true);
            t.start();
            this.committers.add(t);
        }
    }

    /**
     * Queues the row; the future completes with true once it is committed, false if the address was
     * taken. A row somebody waits for ({@code waited}) is queued ahead of the background ones.
     */
    CompletableFuture<Boolean> submit(UUID network, long address, int blockIndex, String host, Owner owner, boolean waited) {
        if (closed) {
            throw new IllegalStateException("the IPAM is shut down");
        }
        CompletableFuture<Boolean> stored = new CompletableFuture<>();
        Request r = new Request(network, address, blockIndex, host, owner, stored);
        if (waited) {
            queue.addFirst(r);
        } else {
            queue.addLast(r);
        }
        return stored;
    }

    private void run() {
        List<Request> batch = new ArrayList<>(maxBatch);
        Session session = new Session();
        try {
            while (true) {
                try {
                    Request first = queue.take();
                    if (first == STOP) {
                        queue.add(STOP); // for the other committers
                        return;
                    }
                    batch.add(first);
                    queue.drainTo(batch, maxBatch - 1);
                    if (batch.remove(STOP)) {
                        queue.add(STOP);
                    }
                    commit(session, batch);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | Error e) {
                    batch.forEach(r -> r.stored().completeExceptionally(e));
                } finally {
                    batch.clear();
                }
            }
        } finally {
            session.close();
        }
    }

    private void commit(Session session, List<Request> batch) {
        batch.sort(Comparator.comparing(Request::network).thenComparingLong(Request::address));
        List<Request> rows = new ArrayList<>(batch.size());
        Request previous = null;
        for (Request r : batch) {
            if (previous == null || r.address() != previous.address() || !r.network().equals(previous.network())) {
                rows.add(r);
                previous = r;
            } else {
                // ON CONFLICT DO UPDATE may not touch one row twice in a statement; the first one tries.
                r.stored().complete(false);
            }
        }
        for (int attempt = 0; ; attempt++) {
            try {
                Set<Key> stored = session.insert(rows, clock.instant());
                // Waking each caller costs a system call and a context switch; another thread does
                // it while this one sends the next batch, so the database is not kept waiting.
                answers.execute(() -> {
                    for (Request r : rows) {
                        r.stored().complete(stored.contains(new Key(r.network(), r.address())));
                    }
                });
                return;
            } catch (SQLException e) {
                boolean rolledBack = "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState());
                if (!rolledBack) {
                    // The connection may be broken; the next batch takes a fresh one.
                    session.close();
                }
                if (!rolledBack || attempt == RETRIES_AFTER_DEADLOCK) {
                    // Outside a known rollback the outcome is unknown (the commit may have happened): callers are told so.
                    rows.forEach(r -> r.stored().completeExceptionally(e));
                    return;
                }
            }
        }
    }

    /**
     * A committer's connection and its prepared INSERT, kept between batches (taken from the pool
     * once, not per batch) and set to commit asynchronously (see the class comment). Given back
     * with the setting reset when the committer stops or the connection fails.
     */
    private final class Session {
        private Connection connection;
        private PreparedStatement insert;

        Set<Key> insert(List<Request> rows, Instant now) throws SQLException {
            if (connection == null) {
                open();
            }
            // Primitive and String arrays go to the driver as Java arrays, which it sends in
            // PostgreSQL's binary array format (createArrayOf would build and send their text
            // form, for the server to parse again). A batch names few networks: each row carries
            // the index of its network in one small uuid array.
            int n = rows.size();
            List<UUID> networks = new ArrayList<>(4);
            int[] network = new int[n];
            long[] addresses = new long[n];
            int[] blocks = new int[n];
            String[] hosts = new String[n];
            String[] ownerTypes = new String[n];
            String[] ownerIds = new String[n];
            for (int i = 0; i < n; i++) {
                Request r = rows.get(i);
                // Rows are sorted by network, so a network is the last one seen or a new one.
                if (networks.isEmpty() || !networks.get(networks.size() - 1).equals(r.network())) {
                    networks.add(r.network());
                }
                network[i] = networks.size(); // PostgreSQL arrays count from 1
                addresses[i] = r.address();
                blocks[i] = r.blockIndex();
                hosts[i] = r.host();
                ownerTypes[i] = r.owner().type();
                ownerIds[i] = r.owner().id();
            }
            Set<Key> stored = new HashSet<>(n * 2);
            insert.setArray(1, connection.createArrayOf("uuid", networks.toArray()));
            insert.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            insert.setObject(3, network);
            insert.setObject(4, addresses);
            insert.setObject(5, blocks);
            insert.setObject(6, hosts);
            insert.setObject(7, ownerTypes);
            insert.setObject(8, ownerIds);
            insert.setObject(9, OffsetDateTime.ofInstant(cutoff.apply(now), ZoneOffset.UTC));
            try (ResultSet rs = insert.executeQuery()) {
                while (rs.next()) {
                    stored.add(new Key(rs.getObject(1, UUID.class), rs.getLong(2)));
                }
            }
            return stored;
        }

        private void open() throws SQLException {
            Connection c = dataSource.getConnection();
            try {
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                try (Statement s = c.createStatement()) {
                    s.execute("SET synchronous_commit TO off");
                }
                insert = c.prepareStatement(INSERT);
                connection = c;
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }

        void close() {
            Connection c = connection;
            connection = null;
            insert = null;
            if (c == null) {
                return;
            }
            try (c; Statement s = c.createStatement()) {
                s.execute("RESET synchronous_commit");
            } catch (SQLException e) {
                // a broken connection: the pool discards it; the setting dies with it
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        for (Thread t : committers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        answers.shutdown();
        try {
            answers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        left.stream().filter(r -> r != STOP).forEach(r -> r.stored().completeExceptionally(new IllegalStateException("the IPAM is shut down")));
    }

    private record Key(UUID network, long address) {
    }
}
