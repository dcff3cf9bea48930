package io.skydeck.finance.jobs;

import io.skydeck.finance.Jdbc;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.finance.FinanceJson;
import io.skydeck.finance.SqlTime;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Runs a job's work in one transaction and keeps a {@code job_run} row of it.
 *
 * <p>The row is written in transactions of its own around the work, so it survives the work's
 * rollback: a failed run says FAILED and why; a killed run stays RUNNING, with nothing of its work
 * committed, until the next run of the job marks it ABANDONED and simply does the work again.
 */
@ApplicationScoped
public class JobRuns {

    public record JobRun(UUID id, String job, Instant startedAt, Instant finishedAt, String outcome, Map<String, Object> counts,
                         String error) {
    }

    private static final Logger LOG = Logger.getLogger(JobRuns.class);
    private static final int WORK_TIMEOUT_SECONDS = 3600;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    /** Runs {@code work} (which returns what it counted) and records the run; returns the run. */
    public JobRun run(String job, Supplier<Map<String, ?>> work) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            update("UPDATE job_run SET outcome = 'ABANDONED', finished_at = ? WHERE job = ? AND outcome = 'RUNNING'",
                    SqlTime.utc(now()), job);
            update("INSERT INTO job_run (id, job, started_at, outcome) VALUES (?, ?, ?, 'RUNNING')", id, job, SqlTime.utc(now()));
        });
        work(id, job, work);
        return QuarkusTransaction.requiringNew().call(() -> query("SELECT * FROM job_run WHERE id = ?", List.of(id))).get(0);
    }

    private void work(UUID id, String job, Supplier<Map<String, ?>> work) {
        try {
            Map<String, ?> counts = QuarkusTransaction.requiringNew().timeout(WORK_TIMEOUT_SECONDS).call(work::get);
            finish(id, "SUCCEEDED", FinanceJson.write(json, counts), null);
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s failed", job);
            finish(id, "FAILED", null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /**
     * Writes a QUEUED run of {@code job} in the caller's transaction; {@code request} says what was
     * asked for (shown as the run's counts until the run replaces them with its own).
     */
    public JobRun queue(String job, Map<String, ?> request) {
        UUID id = UUID.randomUUID();
        update("INSERT INTO job_run (id, job, started_at, outcome, counts) VALUES (?, ?, ?, 'QUEUED', ?)", id, job,
                SqlTime.utc(now()), FinanceJson.write(json, request));
        return find(id).orElseThrow();
    }

    /**
     * Runs a queued run's work like {@link #run}. The run is claimed first (QUEUED to RUNNING, or
     * RUNNING again when Quartz recovers the firing of a replica that died); a run already finished
     * or claimed is not run twice. Returns the run as it ended, or empty when it was not claimed.
     */
    public Optional<JobRun> runQueued(UUID id, String job, boolean recovering, Supplier<Map<String, ?>> work) {
        int claimed = QuarkusTransaction.requiringNew().call(() -> {
            int n = Jdbc.update(dataSource, "claim the job run", "UPDATE job_run SET outcome = 'RUNNING', started_at = ? WHERE id = ? AND job = ?"
                    + (recovering ? " AND outcome IN ('QUEUED', 'RUNNING')" : " AND outcome = 'QUEUED'"),
                    java.util.Arrays.asList(SqlTime.utc(now()), id, job));
            if (n == 1) {
                update("UPDATE job_run SET outcome = 'ABANDONED', finished_at = ? WHERE job = ? AND outcome = 'RUNNING' AND id <> ?",
                        SqlTime.utc(now()), job, id);
            }
            return n;
        });
        if (claimed == 0) {
            LOG.infof("job run %s of %s is not queued any more; not run again", id, job);
            return Optional.empty();
        }
        work(id, job, work);
        return find(id);
    }

    public Optional<JobRun> find(UUID id) {
        return query("SELECT * FROM job_run WHERE id = ?", List.of(id)).stream().findFirst();
    }

    /** Newest first, {@code limit + 1} rows at most. */
    public List<JobRun> list(Optional<String> job, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM job_run WHERE true");
        List<Object> args = new ArrayList<>();
        job.ifPresent(j -> {
            sql.append(" AND job = ?");
            args.add(j);
        });
        page.after().ifPresent(cur -> {
            sql.append(" AND (started_at, id) < (?, ?)");
            args.add(SqlTime.utc(cur.createdAt()));
            args.add(cur.id());
        });
        sql.append(" ORDER BY started_at DESC, id DESC LIMIT ").append(page.limit() + 1);
        return query(sql.toString(), args);
    }

    public static Cursor position(JobRun r) {
        return new Cursor(r.startedAt(), r.id());
    }

    private void finish(UUID id, String outcome, String counts, String error) {
        QuarkusTransaction.requiringNew().run(() -> update(
                "UPDATE job_run SET outcome = ?, finished_at = ?, counts = coalesce(?, counts), error = ? WHERE id = ?",
                outcome, SqlTime.utc(now()), counts, error, id));
    }

    private Map<String, Object> counts(String text) {
        return text == null ? null : FinanceJson.read(json, text, new TypeReference<Map<String, Object>>() { });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private void update(String sql, Object... args) {
        Jdbc.update(dataSource, "record the job run", sql, java.util.Arrays.asList(args));
    }

    private List<JobRun> query(String sql, List<Object> args) {
        return Jdbc.query(dataSource, "job runs", sql, args, rs -> new JobRun(rs.getObject("id", UUID.class), rs.getString("job"),
                SqlTime.instant(rs, "started_at"), SqlTime.instant(rs, "finished_at"), rs.getString("outcome"),
                counts(rs.getString("counts")), rs.getString("error")));
    }
}
