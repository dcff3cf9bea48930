package io.skydeck.drift;

import io.skydeck.drift.DriftFinding.Kind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** The latest findings per provider, in {@code drift_finding} and {@code drift_sync}. */
@ApplicationScoped
public class DriftStore {

    /** A stored finding with when it was first seen (kept across syncs while it persists). */
    public record Stored(DriftFinding finding, Instant detectedAt) {
    }

    public record Sync(String provider, Instant syncedAt, String error) {
    }

    public record Count(String provider, Kind kind, int count) {
    }

    @Inject
    EntityManager em;

    /** The provider's findings become exactly {@code findings}; one still present keeps its first detection time. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void replace(String provider, List<DriftFinding> findings, OffsetDateTime now) {
        for (DriftFinding f : findings) {
            em.createNativeQuery("""
                    INSERT INTO drift_finding (provider, kind, origin, resource_type, provider_resource_id, resource_id, tenant_id,
                                               name, region, detected_at, detail)
                    VALUES (?1, ?2, ?3, ?4, ?5, CAST(?6 AS uuid), CAST(?7 AS uuid), ?8, ?9, ?10, ?11)
                    ON CONFLICT (provider, resource_type, provider_resource_id) DO UPDATE
                    SET kind = excluded.kind, origin = excluded.origin, resource_id = excluded.resource_id,
                        tenant_id = excluded.tenant_id, name = excluded.name, region = excluded.region, detail = excluded.detail,
                        detected_at = CASE WHEN drift_finding.kind = excluded.kind THEN drift_finding.detected_at
                                           ELSE excluded.detected_at END""")
                    .setParameter(1, provider).setParameter(2, f.kind().name()).setParameter(3, f.origin().name())
                    .setParameter(4, f.resourceType().name()).setParameter(5, f.providerResourceId())
                    .setParameter(6, text(f.resourceId())).setParameter(7, text(f.tenantId()))
                    .setParameter(8, f.name()).setParameter(9, f.region()).setParameter(10, now)
                    .setParameter(11, f.detail())
                    .executeUpdate();
        }
        String[] kept = findings.stream().map(f -> f.resourceType() + "/" + f.providerResourceId()).toArray(String[]::new);
        em.createNativeQuery("""
                DELETE FROM drift_finding WHERE provider = ?1 AND NOT (resource_type || '/' || provider_resource_id = ANY(?2))""")
                .setParameter(1, provider).setParameter(2, kept).executeUpdate();
        upsertSync(provider, now, null);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void failed(String provider, String error, OffsetDateTime now) {
        upsertSync(provider, now, error);
    }

    @SuppressWarnings("unchecked")
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Stored> findings(String provider, Kind kind) {
        StringBuilder sql = new StringBuilder("""
                SELECT provider, kind, origin, resource_type, provider_resource_id, resource_id, tenant_id, name, region, detected_at, detail
                FROM drift_finding WHERE true""");
        if (provider != null) {
            sql.append(" AND provider = :provider");
        }
        if (kind != null) {
            sql.append(" AND kind = :kind");
        }
        var query = em.createNativeQuery(sql.append(" ORDER BY provider, kind, resource_type, provider_resource_id").toString());
        if (provider != null) {
            query.setParameter("provider", provider);
        }
        if (kind != null) {
            query.setParameter("kind", kind.name());
        }
        List<Object[]> rows = query.getResultList();
        return rows.stream().map(r -> new Stored(new DriftFinding((String) r[0], Kind.valueOf((String) r[1]),
                DriftFinding.Origin.valueOf((String) r[2]), DriftFinding.ResourceType.valueOf((String) r[3]), (String) r[4],
                (UUID) r[5], (UUID) r[6], (String) r[7], (String) r[8], (String) r[10]), instant(r[9]))).toList();
    }

    @SuppressWarnings("unchecked")
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Sync> syncs() {
        List<Object[]> rows = em.createNativeQuery("SELECT provider, synced_at, error FROM drift_sync ORDER BY provider")
                .getResultList();
        return rows.stream().map(r -> new Sync((String) r[0], instant(r[1]), (String) r[2])).toList();
    }

    @SuppressWarnings("unchecked")
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Count> counts() {
        List<Object[]> rows = em.createNativeQuery("SELECT provider, kind, count(*) FROM drift_finding GROUP BY provider, kind")
                .getResultList();
        return rows.stream().map(r -> new Count((String) r[0], Kind.valueOf((String) r[1]), ((Number) r[2]).intValue())).toList();
    }

    private void upsertSync(String provider, OffsetDateTime now, String error) {
        em.createNativeQuery("""
                INSERT INTO drift_sync (provider, synced_at, error) VALUES (?1, ?2, ?3)
                ON CONFLICT (provider) DO UPDATE SET synced_at = excluded.synced_at, error = excluded.error""")
                .setParameter(1, provider).setParameter(2, now).setParameter(3, error).executeUpdate();
    }

    private static String text(UUID id) {
        return id == null ? null : id.toString();
    }

    private static Instant instant(Object value) {
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof java.sql.Timestamp ts) {
            return ts.toInstant();
        }
        return (Instant) value;
    }
}
