package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.AuthenticationFailed;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * One project-scoped Keystone v3 token, shared by every thread. OpenStack4j clients are bound
 * to the thread that made them, so each call builds a fresh client from this token; only the
 * token (an hour or more of validity) is reused. A token that is about to expire is replaced
 * before use; one that Keystone revoked early (a password change revokes them all) is dropped
 * by {@link OpenStackSession} on the 401 it causes, and the next call authenticates with the
 * password read afresh from its source.
 */
final class KeystoneSession {
    /** Renew this long before expiry so that a call started now does not die half-way. */
    static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(2);

    private final OpenStackConfig config;
    private final Config transport;
    private final Supplier<String> password;
    private final Clock clock;
    private final Object lock = new Object();
    private volatile Token token;

    KeystoneSession(OpenStackConfig config, Config transport, Supplier<String> password, Clock clock) {
        this.config = config;
        this.transport = transport;
        this.password = password;
        this.clock = clock;
    }

    /** A client for this thread, scoped to the project and pointed at {@code region}. */
    OSClientV3 client(String region) {
        OSClientV3 client = OSFactory.clientFromToken(validToken(), transport);
        return client.useRegion(region);
    }

    /**
     * Whether the token's catalog lists a service of this type ("load-balancer") with an endpoint
     * in {@code region}. Asks Keystone only when there is no usable token yet.
     */
    boolean catalogOffers(String serviceType, String region) {
        var catalog = validToken().getCatalog();
        if (catalog == null) {
            return false;
        }
        return catalog.stream()
                .filter(service -> serviceType.equals(service.getType()))
                .flatMap(service -> service.getEndpoints() == null ? java.util.stream.Stream.empty() : service.getEndpoints().stream())
                .anyMatch(endpoint -> region.equals(endpoint.getRegion()) || region.equals(endpoint.getRegionId()));
    }

    /** Forgets the token, e.g. after Keystone said it is no longer valid. */
    void invalidate() {
        token = null;
    }

    private Token validToken() {
        Token current = token;
        if (usable(current)) {
            return current;
        }
        synchronized (lock) {
            current = token;
            if (!usable(current)) {
                current = authenticate();
                token = current;
            }
            return current;
        }
    }

    private boolean usable(Token candidate) {
        if (candidate == null) {
            return false;
        }
        if (candidate.getExpires() == null) {
            return true;
        }
        Instant renewAt = candidate.getExpires().toInstant().minus(RENEW_BEFORE_EXPIRY);
        return clock.instant().isBefore(renewAt);
    }

    private Token authenticate() {
        String secret;
        try {
            secret = password.get();
        } catch (RuntimeException unreadable) {
            // Name the source (variable or file), never a value.
            throw new AuthenticationFailed(config.name(), unreadable.getMessage(), "password-source", unreadable);
        }
        return OSFactory.builderV3()
                .withConfig(transport)
                .endpoint(config.identityUrl())
                .credentials(config.user(), secret, Identifier.byName(config.userDomain()))
                .scopeToProject(Identifier.byName(config.project()), Identifier.byName(config.projectDomain()))
                .authenticate()
                .getToken();
    }
}
