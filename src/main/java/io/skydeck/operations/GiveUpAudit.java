package io.skydeck.operations;

import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderErrors;

import java.util.Map;

/**
 * The audit entry of an operation that gave up on its resource: {@code server.resize-cancelled}
 * with the reason, or {@code workload.create-failed} with the provider's error.
 */
public final class GiveUpAudit {

    private GiveUpAudit() {
    }

    /** {@code type} is the resource type as the audit names it ("server", "workload"). */
    public static void record(AuditLog audit, String type, Operation op, ProviderException error) {
        boolean cancelled = op.state() == Operation.State.CANCELLED;
        String action = op.kind().name().toLowerCase().replace("_" + type, "");
        audit.record(type + "." + action + (cancelled ? "-cancelled" : "-failed"), type, op.targetId(), op.tenantId(),
                cancelled ? Map.of("operation", op.id(), "reason", op.errorDetail())
                        : Map.of("operation", op.id(), "error", error != null ? ProviderErrors.detail(error)
                                : op.state() == Operation.State.FAILED && op.errorDetail() != null ? op.errorDetail() : "internal"));
    }
}
