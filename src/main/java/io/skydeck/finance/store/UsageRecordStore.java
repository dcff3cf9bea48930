package io.skydeck.finance.store;

import io.skydeck.billing.metering.UsageRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Writes metered usage records into {@code usage_record} (migration V4), idempotently by id, at
 * close to the speed of a raw {@code COPY}.
 *
 * <p><b>Contract.</b> After {@link #store(Connection, Iterator)} every record's id is in the table
 * exactly once, with the record's values; storing the same records again changes nothing (not
 * even {@code metered_at}); a record whose id is already stored with other values replaces them.
 * Within one call, the last record of an id wins. A call is all-or-nothing: on a connection in
 * auto-commit mode it runs in its own transaction; otherwise it joins the caller's transaction
 * and leaves the commit (or, after an exception, the rollback) to the caller. The table is named
 * unqualified, so the connection's {@code search_path} decides which schema it is.
 *
 * <p><b>How, and why.</b> Records are taken in chunks of {@value #DEFAULT_CHUNK_SIZE} (ids made
 * unique in the chunk). Each chunk is first streamed with {@code COPY usage_record FROM STDIN}
 * under a savepoint: metering mostly writes hours never stored before, and COPY inserts in
 * batches, which a row-by-row {@code INSERT ... ON CONFLICT} cannot. If any id of the chunk is
 * already there, COPY fails with a unique violation, the savepoint is rolled back and the chunk
 * goes the idempotent way: COPY into a temporary staging table, then one
 * {@code INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE ... WHERE IS DISTINCT FROM}. A call that
 * met a stored id once is most likely reprocessing a period, so its remaining chunks go straight
 * to staging instead of paying for failed COPYs again; the waste is bounded by one chunk per call.
 * Callers who know their records overlap stored ones (reprocessing) can use {@link #upsertOnly}.
 *
 * <p>Concurrent calls with overlapping new ids are safe (the second waits for the first, then
 * takes the upsert path), but two calls writing the same ids in opposite orders can deadlock;
 * PostgreSQL then aborts one of them (SQLState 40P01) and the caller should retry it.
 */
public final class UsageRecordStore {

    /** Records per COPY. Big enough to amortise a statement and a savepoint; ~10 MB held at once. */
    public static final int DEFAULT_CHUNK_SIZE = 50_000;

    static final String COLUMNS = "id, tenant_id, resource_id, provider_resource_id, provider, region, meter, flavor,"
            + " period_start, period_end, seconds, quantity, billing_period, metered_at";

    /** Every column but id and metered_at: what decides whether a re-stored record changed anything. */
    private static final String[] CONTENT = {"tenant_id", "resource_id", "provider_resource_id", "provider", "region", "meter",
        "flavor", "period_start", "period_end", "seconds", "quantity", "billing_period"};

    private static final String UNIQUE_VIOLATION = "23505";

    private static final String COPY_DIRECT = "COPY usage_record (" + COLUMNS + ") FROM STDIN";
    private static final String COPY_STAGING = "COPY pg_temp.usage_record_staging (" + COLUMNS + ") FROM STDIN";
    // No indexes (LIKE copies none): the staging table only feeds one sequential INSERT ... SELECT.
    private static final String CREATE_STAGING =
            "CREATE TEMPORARY TABLE IF NOT EXISTS usage_record_staging (LIKE usage_record INCLUDING DEFAULTS) ON COMMIT DROP";
    private static final String TRUNCATE_STAGING = "TRUNCATE pg_temp.usage_record_staging";
    private static final String UPSERT = upsertStatement();

    private final Clock clock;
    private final int chunkSize;
    private final boolean tryCopyFirst;

    /** The store the service uses: COPY first, upsert where ids are already stored. */
    public UsageRecordStore(Clock clock) {
        this(clock, DEFAULT_CHUNK_SIZE, true);
    }

    UsageRecordStore(Clock clock, int chunkSize, boolean tryCopyFirst) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
        this.chunkSize = chunkSize;
        this.tryCopyFirst = tryCopyFirst;
    }

    /**
     * A store that always goes through staging and upsert: for callers that know most ids are
     * stored already (reprocessing a period), and for measuring that path on its own.
     */
    public static UsageRecordStore upsertOnly(Clock clock) {
        return new UsageRecordStore(clock, DEFAULT_CHUNK_SIZE, false);
    }

    /**
     * Stores the records with a connection of the data source, in a transaction of its own
     * unless the data source hands out connections with auto-commit off (then it commits nothing).
     */
    public int store(DataSource dataSource, Iterator<UsageRecord> records) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return store(c, records);
        }
    }

    /**
     * Stores the records (see the class comment for the contract).
     *
     * @param c       a PostgreSQL connection (pgjdbc, possibly wrapped by a pool)
     * @param records consumed once; may be lazy, only one chunk is held at a time
     * @return row writes: rows inserted plus rows changed; records identical to what is stored are
     *         not counted (an id repeated in a call may count once per chunk it was written in)
     * @throws SQLException on any database error (bad uuid, too long a field, deadlock, ...);
     *                      nothing of the call is then stored
     */
    public int store(Connection c, Iterator<UsageRecord> records) throws SQLException {
        boolean ownTransaction = c.getAutoCommit();
        if (ownTransaction) {
            c.setAutoCommit(false);
        }
        try {
            int written = storeInTransaction(c, records);
            if (ownTransaction) {
                c.commit();
            }
            return written;
        } catch (SQLException | RuntimeException | Error e) {
            if (ownTransaction) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailed) {
                    e.addSuppressed(rollbackFailed);
                }
            }
            throw e;
        } finally {
            if (ownTransaction) {
                c.setAutoCommit(true);
            }
        }
    }

    private int storeInTransaction(Connection c, Iterator<UsageRecord> records) throws SQLException {
        // One metered_at for the whole call: the rows it writes were metered together.
        String meteredAt = clock.instant().toString();
        boolean copyFirst = tryCopyFirst;
        boolean stagingCreated = false;
        Map<String, UsageRecord> chunk = new LinkedHashMap<>();
        int written = 0;
        while (records.hasNext()) {
            chunk.clear();
            while (chunk.size() < chunkSize && records.hasNext()) {
                UsageRecord r = records.next();
                // put() keeps an id's first position but its last value: the last record of an id wins.
                chunk.put(r.id(), r);
            }
            if (copyFirst) {
                Savepoint beforeCopy = c.setSavepoint();
                try {
                    written += (int) copy(c, COPY_DIRECT, chunk.values(), meteredAt);
                    c.releaseSavepoint(beforeCopy);
                    continue;
                } catch (SQLException e) {
                    if (!UNIQUE_VIOLATION.equals(sqlState(e))) {
                        throw e;
                    }
                    c.rollback(beforeCopy);
                    copyFirst = false;
                }
            }
            try (Statement s = c.createStatement()) {
                if (!stagingCreated) {
                    s.execute(CREATE_STAGING);
                    stagingCreated = true;
                }
                // Also when just created: an earlier call in the same transaction may have left rows.
                s.execute(TRUNCATE_STAGING);
                copy(c, COPY_STAGING, chunk.values(), meteredAt);
                written += s.executeUpdate(UPSERT);
            }
        }
        return written;
    }

    /** Rows in COPY's text format through the store's one encoder ({@link CopyRows}). */
    private static long copy(Connection c, String sql, Collection<UsageRecord> rows, String meteredAt) throws SQLException {
        try (CopyRows out = CopyRows.open(c, sql)) {
            for (UsageRecord r : rows) {
                out.text(r.id()).text(r.tenantId()).text(r.resourceId()).text(r.providerResourceId()).text(r.provider())
                        .text(r.region()).text(r.meter().name()).text(r.flavor()).instant(r.start()).instant(r.end())
                        .number(r.seconds()).number(r.quantity()).text(r.period().toString()).text(meteredAt);
                out.endRow();
            }
            return out.finish();
        }
    }

    /** The SQLState of the exception or of the first SQLException among its causes. */
    private static String sqlState(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return s.getSQLState();
            }
        }
        return null;
    }

    private static String upsertStatement() {
        StringBuilder set = new StringBuilder();
        StringBuilder stored = new StringBuilder();
        StringBuilder incoming = new StringBuilder();
        for (String column : CONTENT) {
            String sep = set.length() == 0 ? "" : ", ";
            set.append(sep).append(column).append(" = EXCLUDED.").append(column);
            stored.append(sep).append("u.").append(column);
            incoming.append(sep).append("EXCLUDED.").append(column);
        }
        // The WHERE keeps an unchanged row untouched: no new row version, metered_at kept, not counted.
        return "INSERT INTO usage_record AS u (" + COLUMNS + ") SELECT " + COLUMNS + " FROM pg_temp.usage_record_staging"
                + " ON CONFLICT (id) DO UPDATE SET " + set + ", metered_at = EXCLUDED.metered_at"
                + " WHERE (" + stored + ") IS DISTINCT FROM (" + incoming + ")";
    }

}
