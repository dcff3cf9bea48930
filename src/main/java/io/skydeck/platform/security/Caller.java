package io.skydeck.platform.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.skydeck.platform.problem.ProblemException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.security.Principal;
import java.util.Optional;
import java.util.UUID;

/**
 * Who is calling: subject, role and, for a tenant, the tenant it acts for. Every tenant-owned
 * lookup goes through {@link #mayAccessTenant}: another tenant's object is "not found", never
 * "forbidden", so its existence is not revealed.
 */
@RequestScoped
public class Caller {

    @Inject
    SecurityIdentity identity;

    @Inject
    VerifiedTokens tokens;

    /** Read once per request (this bean lives as long as one). */
    private Boolean tenant;
    private Optional<UUID> tenantId;

    public String subject() {
        Principal principal = identity.getPrincipal();
        return principal == null || identity.isAnonymous() ? "anonymous" : principal.getName();
    }

    public String role() {
        for (String role : new String[] {Roles.ADMIN, Roles.FINANCE, Roles.SCHEDULER, Roles.TENANT}) {
            if (identity.hasRole(role)) {
                return role;
            }
        }
        return "none";
    }

    public boolean isTenant() {
        if (tenant == null) {
            tenant = identity.hasRole(Roles.TENANT) && !identity.hasRole(Roles.ADMIN);
        }
        return tenant;
    }

    /** The tenant a tenant token acts for; empty for operators (admin, finance, scheduler). */
    public Optional<UUID> tenantId() {
        if (tenantId == null) {
            tenantId = isTenant() && identity.getPrincipal() instanceof JsonWebToken jwt ? tokens.tenantOf(jwt) : Optional.empty();
        }
        return tenantId;
    }

    /** A tenant id that no tenant has: filtering by it matches nothing. */
    private static final UUID NO_TENANT = new UUID(0, 0);

    /**
     * The tenant filter a list runs with. Operators get what they asked for (empty: every
     * tenant); a tenant always gets its own rows, and asking for another tenant's gets none.
     */
    public Optional<UUID> listFilter(Optional<UUID> requested) {
        if (!isTenant()) {
            return requested;
        }
        UUID own = tenantId().orElse(NO_TENANT);
        return Optional.of(requested.filter(r -> !r.equals(own)).map(other -> NO_TENANT).orElse(own));
    }

    /** Operators see every tenant; a tenant only itself. */
    public boolean mayAccessTenant(UUID tenantId) {
        return !isTenant() || tenantId().map(own -> own.equals(tenantId)).orElse(false);
    }

    /** Throws 404 (not 403) when a tenant reaches for another tenant's {@code what}. */
    public void requireTenantAccess(UUID tenantId, String what, Object id) {
        if (!mayAccessTenant(tenantId)) {
            throw ProblemException.notFound(what, id);
        }
    }
}
