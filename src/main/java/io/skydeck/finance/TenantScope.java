package io.skydeck.finance;

import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;

import java.util.Optional;
import java.util.UUID;

/**
 * Which tenant a finance list shows. Operators see whatever they filter on; a tenant always sees
 * itself, and naming another tenant is "not found" (never "forbidden"), like every tenant-owned object.
 */
public final class TenantScope {

    private TenantScope() {
    }

    public static Optional<UUID> of(Caller caller, Optional<UUID> requested) {
        if (!caller.isTenant()) {
            return requested;
        }
        UUID own = caller.tenantId().orElseThrow(() -> ProblemException.notFound("tenant", "of this token"));
        if (requested.isPresent() && !requested.get().equals(own)) {
            throw ProblemException.notFound("tenant", requested.get());
        }
        return Optional.of(own);
    }
}
