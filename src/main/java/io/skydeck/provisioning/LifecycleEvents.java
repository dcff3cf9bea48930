package io.skydeck.provisioning;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * The durable record of what happened to a resource and exactly when, which billing meters
 * from. Event ids are derived from what caused them, so recording the same event twice (an
 * operation finishing again after a crash) stores it once.
 */
@ApplicationScoped
public class LifecycleEvents {

    public enum Kind { REQUESTED, CREATED, STARTED, STOPPED, RESIZED, DELETED, FAILED, SCALED }

    /** What the resource was at the moment of the event. */
    public record Shape(String flavor, long vcpuMillis, long memoryMib, int gpu, int replicas) {
    }

    public record Event(UUID id, UUID tenantId, String resourceType, UUID resourceId, Kind kind, Instant occurredAt,
                        Instant recordedAt, String provider, String region, String providerResourceId, Shape shape) {
    }

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    public static UUID idFor(UUID cause, Kind kind) {
        return UUID.nameUUIDFromBytes((cause + "/" + kind).getBytes(StandardCharsets.UTF_8));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(UUID eventId, UUID tenantId, String resourceType, UUID resourceId, Kind kind, Instant occurredAt,
                       String provider, String region, String providerResourceId, Shape shape) {
        em.createNativeQuery("""
                        INSERT INTO lifecycle_event (id, tenant_id, resource_type, resource_id, kind, occurred_at, recorded_at,
                            provider, region, provider_resource_id, flavor, vcpu_millis, memory_mib, gpu, replicas)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                        ON CONFLICT (id) DO NOTHING""")
                .setParameter(1, eventId).setParameter(2, tenantId).setParameter(3, resourceType)
                .setParameter(4, resourceId).setParameter(5, kind.name())
                .setParameter(6, utc(occurredAt.truncatedTo(ChronoUnit.MICROS)))
                .setParameter(7, utc(clock.instant().truncatedTo(ChronoUnit.MICROS)))
                .setParameter(8, provider).setParameter(9, region).setParameter(10, providerResourceId)
                .setParameter(11, shape.flavor()).setParameter(12, shape.vcpuMillis()).setParameter(13, shape.memoryMib())
                .setParameter(14, shape.gpu()).setParameter(15, shape.replicas())
                .executeUpdate();
    }

    /**
     * An event's place in {@link #of}'s order (when it happened, was recorded, its kind; the id
     * breaks a tie) as text that sorts the same way: a resource has few events, so they are paged
     * in memory.
     */
    public static String position(Event e) {
        return String.format("%019d.%09d|%019d.%09d|%s|%s", e.occurredAt().getEpochSecond(), e.occurredAt().getNano(),
                e.recordedAt().getEpochSecond(), e.recordedAt().getNano(), e.kind().name(), e.id());
    }

    @SuppressWarnings("unchecked")
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Event> of(UUID resourceId) {
        List<Object[]> rows = em.createNativeQuery("""
                        SELECT id, tenant_id, resource_type, resource_id, kind, occurred_at, recorded_at, provider, region,
                               provider_resource_id, flavor, vcpu_millis, memory_mib, gpu, replicas
                        FROM lifecycle_event WHERE resource_id = ?1 ORDER BY occurred_at, recorded_at, kind""")
                .setParameter(1, resourceId).getResultList();
        return rows.stream().map(r -> new Event((UUID) r[0], (UUID) r[1], (String) r[2], (UUID) r[3], Kind.valueOf((String) r[4]),
                instant(r[5]), instant(r[6]), (String) r[7], (String) r[8], (String) r[9],
                new Shape((String) r[10], ((Number) r[11]).longValue(), ((Number) r[12]).longValue(),
                        ((Number) r[13]).intValue(), ((Number) r[14]).intValue()))).toList();
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (value instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass());
    }
}
