package io.skydeck.platform.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.Arc;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.skydeck.platform.appends.Appends;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.web.RequestIds;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.MDC;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Records state changes. Called inside the transaction that makes the change, so a change
 * and its audit row commit or roll back together; the row is written with the transaction's other
 * appended rows ({@link Appends}), so it is not visible to the transaction's own queries before
 * that.
 */
@ApplicationScoped
public class AuditLog {

    @Inject
    AuditEntryRepository auditEntryRepository;

    @Inject
    Appends appends;

    @Inject
    Caller caller;

    @Inject
    CurrentVertxRequest request;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    /**
     * Records a change. Outside an HTTP request (an operation finishing in the background) the
     * actor is Skydeck itself and the request id is the one in the logging context.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String targetType, Object targetId, UUID tenantId, Map<String, ?> details) {
        recordAs(null, action, targetType, targetId, tenantId, details);
    }

    /**
     * Records a change made by {@code actor} — a named part of Skydeck acting on its own (a release
     * train, say) — rather than by the request's caller; null means the caller, as {@link #record}.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordAs(String actor, String action, String targetType, Object targetId, UUID tenantId, Map<String, ?> details) {
        boolean inRequest = Arc.container().requestContext().isActive() && request.getCurrent() != null;
        if (actor == null) {
            actor = inRequest ? caller.subject() : "skydeck";
        }
        String role = inRequest ? caller.role() : "system";
        Object mdc = MDC.get("requestId");
        String requestId = inRequest ? RequestIds.of(request.getCurrent()) : mdc == null ? null : mdc.toString();
        // Written with the transaction's other appended rows, in one round trip before it commits.
        appends.add("INSERT INTO audit_log (id, occurred_at, actor, actor_role, tenant_id, action, target_type, target_id,"
                        + " request_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                UUID.randomUUID(), clock.instant().truncatedTo(ChronoUnit.MICROS), actor, role, tenantId, action, targetType,
                String.valueOf(targetId), requestId, write(details));
    }

    /** A page of the log, oldest first, with the filters that are present. */
    public List<AuditEntry> list(Optional<UUID> tenantId, Optional<String> action, Optional<String> targetType,
                                 Optional<String> targetId, Optional<String> requestId, PageRequest page) {
        return KeysetQuery.by("occurredAt").where("tenantId", tenantId).where("action", action)
                .where("targetType", targetType).where("targetId", targetId).where("requestId", requestId)
                .page(auditEntryRepository, page);
    }

    private String write(Map<String, ?> details) {
        try {
            return details == null || details.isEmpty() ? null : json.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit details are not serialisable", e);
        }
    }
}
