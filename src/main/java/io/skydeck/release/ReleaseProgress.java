package io.skydeck.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.release.rollout.Change;
import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.ReleaseFlow;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Rollout;
import io.skydeck.release.rollout.RolloutSnapshot;
import io.skydeck.release.rollout.Step;
import io.skydeck.release.switchover.Switchover;
import io.skydeck.release.switchover.SwitchoverSnapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Stores a release's progress: the flow's snapshot (a {@link Rollout}'s, or for the two-group
 * strategies a {@link Switchover}'s, told apart by the release's strategy), the instances' rows and one event per
 * transition, together, in the caller's transaction. A write names the release version it
 * started from and lands only if that is still the stored one — a person's action that came in
 * between makes it stale, and the driver reloads and records its results again. A driver's write
 * also names its lease's fencing token, checked under a share lock on the lease row, so a replica
 * whose lease was taken over can no longer write anything.
 *
 * <p>A {@link Rollout}'s instances live in their {@code release_instance} rows alone: the stored
 * snapshot is the rollout's header (state, policy, last call id, gates) with no instances, a write
 * rewrites the rows of the instances that changed since the last one ({@link Rollout#drainTouched}),
 * and a load puts header and rows back together. Storing the whole snapshot on every write cost
 * a ~100 KB jsonb per handful of results at a thousand instances, on the path every step waits on.
 * Header and rows are written in the same transaction, under the same version check and fence, so
 * a restore sees them as one. A switchover (two groups, a few instances) keeps its whole snapshot.
 *
 * <p>Instances and events are written with JDBC batches: a roll of a thousand instances records
 * tens of them per transaction, and one statement per row would be most of the release's overhead.
 */
@ApplicationScoped
public class ReleaseProgress {

    /** The stored release as a driver or an action starts from: its flow, restored from the snapshot. */
    public record Stored(UUID id, long version, ReleaseFlow flow) {
    }

    /** How a write went. */
    public enum Outcome { WRITTEN, STALE, LEASE_LOST }

    public record Written(Outcome outcome, long version) {
    }

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    io.skydeck.platform.audit.AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    DegradeSwitchService degradeSwitches;

    /** The release as stored; with {@code lock}, its row stays locked until the transaction ends (a person's action). */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Stored> load(UUID releaseId, boolean lock) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT version, CAST(snapshot AS text), strategy FROM app_release WHERE id = ?1"
                        + (lock ? " FOR UPDATE" : ""))
                .setParameter(1, releaseId).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] row = rows.get(0);
        Strategy strategy = Strategy.valueOf((String) row[2]);
        if (strategy.twoGroups()) {
            return Optional.of(new Stored(releaseId, ((Number) row[0]).longValue(), flow(strategy, (String) row[1])));
        }
        RolloutSnapshot header = read((String) row[1]);
        // The header stored since V48 has no instances: they are the rows (see the class comment).
        RolloutSnapshot whole = header.instances().isEmpty() ? header.withInstances(rolloutRows(releaseId)) : header;
        return Optional.of(new Stored(releaseId, ((Number) row[0]).longValue(), Rollout.restore(whole)));
    }

    /** A rollout's instances as their rows hold them, in the group's order. */
    private List<RolloutSnapshot.Instance> rolloutRows(UUID releaseId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT instance, batch, state, step, call, changed, failure FROM release_instance
                 WHERE release_id = ?1 ORDER BY position""").setParameter(1, releaseId).getResultList();
        List<RolloutSnapshot.Instance> instances = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            instances.add(new RolloutSnapshot.Instance((String) r[0], ((Number) r[1]).intValue(), InstanceState.valueOf((String) r[2]),
                    r[3] == null ? null : Step.valueOf((String) r[3]), ((Number) r[4]).longValue(), (Boolean) r[5], (String) r[6]));
        }
        return instances;
    }

    /** The stored version alone: what a waiting driver compares to see whether a person acted. */
    @Transactional(Transactional.TxType.MANDATORY)
    public long version(UUID releaseId) {
        return ((Number) em.createNativeQuery("SELECT version FROM app_release WHERE id = ?1").setParameter(1, releaseId)
                .getSingleResult()).longValue();
    }

    /**
     * Writes the rollout as it is now, the transitions since the last write and the rows of the
     * instances {@code touched}; {@code fence} is the driver's lease token, or empty for a
     * person's action (which holds the row lock instead).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Written write(UUID releaseId, Optional<Long> fence, long expectedVersion, ReleaseFlow rollout, List<Change> changes,
                         Collection<String> touched, String actor) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Record snapshot = rollout instanceof Rollout r ? r.header() : rollout.snapshot(); // a rollout's instances are its rows
        ReleaseState state = rollout.state();
        String header = write(snapshot);
        // Plain JDBC on the session's connection: the fence and the versioned update are on the path every step's
        // result takes, and a native query through Hibernate adds an auto-flush and a bulk-operation cache cleanup
        // to each (nothing here is an entity).
        Outcome outcome = em.unwrap(Session.class).doReturningWork(connection -> {
            if (fence.isPresent()) {
                try (PreparedStatement lease = connection.prepareStatement("SELECT token FROM release_lease WHERE release_id = ? FOR SHARE")) {
                    lease.setObject(1, releaseId);
                    try (java.sql.ResultSet row = lease.executeQuery()) {
                        if (!row.next() || row.getLong(1) != fence.get()) {
                            return Outcome.LEASE_LOST;
                        }
                    }
                }
            }
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE app_release SET snapshot = CAST(? AS jsonb), state = ?, reason = ?, running_steps = ?,
                           version = version + 1, updated_at = ?,
                           finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE finished_at END
                     WHERE id = ? AND version = ?""")) {
                Timestamp at = Timestamp.from(now);
                update.setString(1, header);
                update.setString(2, state.name());
                update.setString(3, rollout.reason());
                update.setInt(4, rollout.pendingWork());
                update.setTimestamp(5, at);
                update.setBoolean(6, state.finished());
                update.setTimestamp(7, at);
                update.setObject(8, releaseId);
                update.setLong(9, expectedVersion);
                return update.executeUpdate() == 0 ? Outcome.STALE : Outcome.WRITTEN;
            }
        });
        if (outcome != Outcome.WRITTEN) {
            return new Written(outcome, expectedVersion);
        }
        boolean finishing = state.finished() && changes.stream().anyMatch(c -> c.instance() == null && c.to().equals(state.name()));
        if (finishing && state == ReleaseState.SUCCEEDED) {
            // A two-group release leaves the version on its standby group; its live group keeps the previous one.
            em.createNativeQuery("UPDATE release_group g SET current_version_id = r.version_id FROM app_release r"
                    + " WHERE r.id = ?1 AND g.id = COALESCE(r.standby_group_id, r.group_id)").setParameter(1, releaseId).executeUpdate();
            if (rollout.instances().stream().allMatch(i -> i.state() == InstanceState.DONE)) {
                // A workload group's record shows the image its pods now run. Only when every pod took it: that is
                // also when the cluster brought the workload's template along (TemplatePromotion), and the record
                // says what the template says.
                em.createNativeQuery("""
                                UPDATE workload w SET image = v.image, updated_at = ?2, version = w.version + 1
                                  FROM app_release r JOIN release_group g ON g.id = r.group_id
                                       JOIN application_version v ON v.id = r.version_id
                                 WHERE r.id = ?1 AND w.id = g.workload_id AND v.image IS NOT NULL AND w.image <> v.image""")
                        .setParameter(1, releaseId).setParameter(2, now).executeUpdate();
            }
        }
        if (state == ReleaseState.ROLLED_BACK && changes.stream().anyMatch(c -> c.instance() == null && c.to().equals("ROLLED_BACK"))
                && rollout.instances().stream().allMatch(i -> i.state() == InstanceState.REVERTED)) {
            // Every pod is back on the image it ran before (one image for all): if a succeeded release had moved the
            // workload's record on, it follows the pods back, as the template does.
            em.createNativeQuery("""
                            UPDATE workload w SET image = before.image, updated_at = ?2, version = w.version + 1
                              FROM app_release r JOIN release_group g ON g.id = r.group_id,
                                   (SELECT min(previous_artifact) AS image, count(DISTINCT previous_artifact) AS images
                                      FROM release_instance WHERE release_id = ?1) before
                             WHERE r.id = ?1 AND w.id = g.workload_id AND before.images = 1 AND w.image <> before.image""")
                    .setParameter(1, releaseId).setParameter(2, now).executeUpdate();
        }
        if (finishing && state == ReleaseState.ROLLED_BACK) {
            // A rollback of a release that had SUCCEEDED puts the group back on the version before it (none
            // for a group's first release); one that never succeeded left the group's version alone.
            em.createNativeQuery("UPDATE release_group g SET current_version_id = r.previous_version_id FROM app_release r"
                    + " WHERE r.id = ?1 AND g.id = r.group_id AND g.current_version_id = r.version_id").setParameter(1, releaseId)
                    .executeUpdate();
        }
        if (finishing) {
            // The degrade switches the release held go back in the transaction that ends it: a replica that
            // dies after this commit has nothing left to restore, one that dies before it leaves the release unfinished.
            degradeSwitches.restoreAfterRelease(releaseId);
        }
        if (fence.isPresent()) {
            // The driver's own transitions of the release (braked, smoke failed, succeeded, rolled back) go to the
            // audit log too; a person's action is audited by the action itself.
            List<Change> moves = changes.stream().filter(c -> c.instance() == null).toList();
            if (!moves.isEmpty()) {
                UUID tenantId = (UUID) em.createNativeQuery("SELECT tenant_id FROM app_release WHERE id = ?1", UUID.class)
                        .setParameter(1, releaseId).getSingleResult();
                for (Change c : moves) {
                    audit.record("release." + c.to().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), "release", releaseId, tenantId,
                            Map.of("from", c.from(), "reason", String.valueOf(c.reason()), "driver", actor));
                }
            }
        }
        if (rollout instanceof Rollout r) {
            Set<String> rows = new LinkedHashSet<>(touched);
            rows.addAll(r.drainTouched());
            em.unwrap(Session.class).doWork(connection -> {
                updateRolloutRows(connection, releaseId, r, rows, now);
                insertEvents(connection, releaseId, changes, actor, now);
            });
            return new Written(Outcome.WRITTEN, expectedVersion + 1);
        }
        Map<String, ReleaseFlow.FlowInstance> byId = new HashMap<>();
        for (ReleaseFlow.FlowInstance i : rollout.instances()) {
            byId.put(i.id(), i);
        }
        em.unwrap(Session.class).doWork(connection -> {
            if (!touched.isEmpty()) {
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE release_instance SET state = ?, step = ?, failure = ?, updated_at = ? WHERE release_id = ? AND instance = ?")) {
                    for (String id : touched) {
                        ReleaseFlow.FlowInstance i = byId.get(id);
                        update.setString(1, i.state().name());
                        update.setString(2, i.running() == null ? null : i.running().name());
                        update.setString(3, i.failure());
                        update.setTimestamp(4, Timestamp.from(now));
                        update.setObject(5, releaseId);
                        update.setString(6, id);
                        update.addBatch();
                    }
                    update.executeBatch();
                }
            }
            insertEvents(connection, releaseId, changes, actor, now);
        });
        return new Written(Outcome.WRITTEN, expectedVersion + 1);
    }

    /**
     * A rollout's rows of the instances that changed since its last write — the rows are the only
     * copy of its instances, so every field of {@link RolloutSnapshot.Instance} is written. What
     * the rollout reports touched and what the caller says it touched are both written: the
     * caller's set (the instances of its results and changes) is a subset in practice.
     */
    private static void updateRolloutRows(java.sql.Connection connection, UUID releaseId, Rollout rollout, Collection<String> ids,
                                          Instant now) throws java.sql.SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE release_instance SET state = ?, step = ?, call = ?, changed = ?, failure = ?, updated_at = ?
                 WHERE release_id = ? AND instance = ?""")) {
            for (String id : ids) {
                RolloutSnapshot.Instance i = rollout.instance(id);
                update.setString(1, i.state().name());
                update.setString(2, i.running() == null ? null : i.running().name());
                update.setLong(3, i.call());
                update.setBoolean(4, i.changed());
                update.setString(5, i.failure());
                update.setTimestamp(6, Timestamp.from(now));
                update.setObject(7, releaseId);
                update.setString(8, id);
                update.addBatch();
            }
            for (int count : update.executeBatch()) {
                if (count == 0) {
                    throw new IllegalStateException("release " + releaseId + " has an instance without its row");
                }
            }
        }
    }

    /** The instances of a new release, in the group's order, and its first events. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void insertInstances(UUID releaseId, List<NewInstance> instances, ReleaseFlow rollout, List<Change> changes, String actor) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (rollout instanceof Rollout r) {
            r.drainTouched(); // every row is written here
        }
        Map<String, ReleaseFlow.FlowInstance> byId = new HashMap<>();
        rollout.instances().forEach(i -> byId.put(i.id(), i));
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO release_instance (release_id, instance, position, batch, server_id, provider_instance_id,
                                                  previous_artifact, state, step, failure, updated_at, call, changed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)""")) {
                for (int p = 0; p < instances.size(); p++) {
                    NewInstance n = instances.get(p);
                    ReleaseFlow.FlowInstance i = byId.get(n.instance());
                    insert.setObject(1, releaseId);
                    insert.setString(2, n.instance());
                    insert.setInt(3, p);
                    insert.setInt(4, i.batch());
                    insert.setObject(5, n.serverId());
                    insert.setString(6, n.providerInstanceId());
                    insert.setString(7, n.previousArtifact());
                    insert.setString(8, i.state().name());
                    insert.setString(9, i.running() == null ? null : i.running().name());
                    insert.setTimestamp(10, Timestamp.from(now));
                    // A rollout's rows are its instances (its stored snapshot has none); a switchover's snapshot has them.
                    RolloutSnapshot.Instance whole = rollout instanceof Rollout r ? r.instance(n.instance()) : null;
                    insert.setLong(11, whole == null ? 0 : whole.call());
                    insert.setBoolean(12, whole != null && whole.changed());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            insertEvents(connection, releaseId, changes, actor, now);
        });
    }

    /** One instance of a new release: its id in the rollout, its server, its provider id, what a rollback restores. */
    public record NewInstance(String instance, UUID serverId, String providerInstanceId, String previousArtifact) {
    }

    /** What a driver needs of each instance to call the provider. */
    public record Target(String instance, String providerInstanceId, String previousArtifact) {
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Map<String, Target> targets(UUID releaseId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT instance, provider_instance_id, previous_artifact FROM release_instance"
                + " WHERE release_id = ?1").setParameter(1, releaseId).getResultList();
        Map<String, Target> targets = new HashMap<>();
        for (Object[] row : rows) {
            targets.put((String) row[0], new Target((String) row[0], (String) row[1], (String) row[2]));
        }
        return targets;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ReleaseViews.InstanceView> instances(UUID releaseId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT instance, server_id, provider_instance_id, batch, state, step, failure, updated_at
                  FROM release_instance WHERE release_id = ?1 ORDER BY position""").setParameter(1, releaseId).getResultList();
        return rows.stream().map(r -> new ReleaseViews.InstanceView((String) r[0], (UUID) r[1], (String) r[2], ((Number) r[3]).intValue(),
                (String) r[4], (String) r[5], (String) r[6], instant(r[7]))).toList();
    }

    /** Events of the release after {@code afterSeq}, oldest first, at most {@code limit}. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ReleaseViews.EventView> events(UUID releaseId, long afterSeq, int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT seq, instance, from_state, to_state, reason, actor, occurred_at FROM release_event
                 WHERE release_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3""")
                .setParameter(1, releaseId).setParameter(2, afterSeq).setParameter(3, limit).getResultList();
        return rows.stream().map(r -> new ReleaseViews.EventView(((Number) r[0]).longValue(), releaseId, (String) r[1], (String) r[2],
                (String) r[3], (String) r[4], (String) r[5], instant(r[6]))).toList();
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        return null;
    }

    private static void insertEvents(java.sql.Connection connection, UUID releaseId, List<Change> changes, String actor, Instant now)
            throws java.sql.SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO release_event (release_id, instance, from_state, to_state, reason, actor, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            for (Change c : changes) {
                insert.setObject(1, releaseId);
                insert.setString(2, c.instance());
                insert.setString(3, c.from());
                insert.setString(4, c.to());
                insert.setString(5, c.reason());
                insert.setString(6, actor);
                insert.setTimestamp(7, Timestamp.from(now));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** The flow a stored snapshot is of: the release's strategy says which. */
    ReleaseFlow flow(Strategy strategy, String json) {
        if (strategy.twoGroups()) {
            try {
                return Switchover.restore(this.json.readValue(json, SwitchoverSnapshot.class));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a stored switchover snapshot cannot be read: " + e.getOriginalMessage(), e);
            }
        }
        return Rollout.restore(read(json));
    }

    /** The snapshot to store: a rollout's without its instances (its rows hold them), a switchover's whole. */
    String write(Record snapshot) {
        try {
            return json.writeValueAsString(snapshot instanceof RolloutSnapshot r ? r.withInstances(List.of()) : snapshot);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a rollout snapshot is not serialisable", e);
        }
    }

    RolloutSnapshot read(String text) {
        try {
            return json.readValue(text, RolloutSnapshot.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored rollout snapshot cannot be read: " + e.getOriginalMessage(), e);
        }
    }
}
