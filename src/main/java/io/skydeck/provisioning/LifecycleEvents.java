package io.skydeck.provisioning;

import io.skydeck.platform.appends.Appends;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * The durable record of what happened to a resource and exactly when, which billing meters
 * from. Event ids are derived from what caused them, so recording the same event twice (an
 * operation finishing again after a crash) stores it once. An event is written with its
 * transaction's other appended rows ({@link Appends}) just before the commit.
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
    Appends appends;

    @Inject
    Clock clock;

    public static UUID idFor(UUID cause, Kind kind) {
        return UUID.nameUUIDFromBytes((cause + "/" + kind).getBytes(StandardCharsets.UTF_8));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(UUID eventId, UUID tenantId, String resourceType, UUID resourceId, Kind kind, Instant occurredAt,
                       String provider, String region, String providerResourceId, Shape shape) {
        appends.add("""
                        INSERT INTO lifecycle_event (id, tenant_id, resource_type, resource_id, kind, occurred_at, recorded_at,
                            provider, region, provider_resource_id, flavor, vcpu_millis, memory_mib, gpu, replicas)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO NOTHING""",
                eventId, tenantId, resourceType, resourceId, kind.name(), occurredAt.truncatedTo(ChronoUnit.MICROS),
                clock.instant().truncatedTo(ChronoUnit.MICROS), provider, region, providerResourceId,
                shape.flavor(), shape.vcpuMillis(), shape.memoryMib(), shape.gpu(), shape.replicas());
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
