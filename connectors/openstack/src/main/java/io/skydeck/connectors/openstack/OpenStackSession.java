package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.common.ActionResponse;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every capability of one OpenStack provider shares: the Keystone session, the error
 * mapping, the clock, and the way handles are written and read.
 */
final class OpenStackSession {
    private final OpenStackConfig config;
    private final KeystoneSession keystone;
    private final FaultToProviderException faults;
    private final Clock clock;

    OpenStackSession(OpenStackConfig config, KeystoneSession keystone, Clock clock) {
        this.config = config;
        this.keystone = keystone;
        this.faults = new FaultToProviderException(config.name());
        this.clock = clock;
    }

    String provider() {
        return config.name();
    }

    OpenStackConfig config() {
        return config;
    }

    Clock clock() {
        return clock;
    }

    List<String> regions() {
        return config.regions();
    }

    /**
     * Runs one or more OpenStack requests in a region; every failure leaves as a ProviderException.
     *
     * <p>A service refusing the token (Keystone revokes a user's tokens when the password changes)
     * drops it and authenticates once more, reading the secret afresh, so a rotated password file
     * is picked up without a restart. Keystone refusing the password just read is final: asking
     * again with the same secret would only lock the account sooner.
     */
    <T> T call(String region, Target target, Function<OSClientV3, T> body) {
        try {
            return once(region, target, body);
        } catch (TokenRefused refused) {
            keystone.invalidate();
            try {
                return once(region, target, body);
            } catch (TokenRefused again) {
                keystone.invalidate();
                throw again.failure;
            }
        }
    }

    private <T> T once(String region, Target target, Function<OSClientV3, T> body) {
        ErrorResponse.clear();
        OSClientV3 client;
        try {
            client = keystone.client(region);
        } catch (RuntimeException failure) {
            throw faults.fromThrowable(failure, target);
        } finally {
            ErrorResponse.clear();
        }
        try {
            return body.apply(client);
        } catch (RuntimeException failure) {
            ProviderException mapped = faults.fromThrowable(failure, target);
            boolean unauthorized = ErrorResponse.last().map(ErrorResponse::status).orElse(0) == 401;
            if (mapped instanceof AuthenticationFailed refused && unauthorized) {
                throw new TokenRefused(refused);
            }
            throw mapped;
        } finally {
            ErrorResponse.clear();
        }
    }

    /**
     * A service's 401 to a token Keystone had issued. A 403 is not retried: it is a policy saying
     * no to this user (a member listing hypervisors), which a new token does not change.
     * Carried out of {@link #once} so that only this case is retried.
     */
    private static final class TokenRefused extends RuntimeException {
        final AuthenticationFailed failure;

        TokenRefused(AuthenticationFailed failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    /**
     * Whether the cloud's catalog has a service of this type in the region, e.g. Octavia's
     * "load-balancer". Read from the token Keystone issued; a failure to authenticate leaves as
     * a ProviderException.
     */
    boolean catalogOffers(String serviceType, String region) {
        try {
            return keystone.catalogOffers(serviceType, region);
        } catch (RuntimeException failure) {
            throw faults.fromThrowable(failure, Target.of(ResourceType.REGION, region));
        } finally {
            ErrorResponse.clear();
        }
    }

    /** OpenStack4j reports delete and action failures as a value; this makes them exceptions. */
    void requireSuccess(ActionResponse response, Target target) {
        if (!response.isSuccess()) {
            throw faults.fromStatus(response.getCode(), response.getFault(), target);
        }
    }

    void requireRegion(String region) {
        if (!config.regions().contains(region)) {
            throw new ResourceNotFound(provider(), ResourceType.REGION, region,
                    "region " + region + " is not one of " + config.regions());
        }
    }

    OperationHandle handle(OperationKind kind, ResourceType type, String id, String region,
                           Optional<IdempotencyToken> token) {
        return handle(kind, type, id, region, token, "");
    }

    /**
     * The operation id is "kind:id[:detail]" — OpenStack has no operation objects, so a poll
     * looks at the resource itself; the detail keeps what it must compare with (a resize's flavor).
     */
    OperationHandle handle(OperationKind kind, ResourceType type, String id, String region,
                           Optional<IdempotencyToken> token, String detail) {
        String operationId = kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + id + (detail.isEmpty() ? "" : ":" + detail);
        return new OperationHandle(provider(), operationId, kind, new ResourceRef(type, id, region), token, clock.instant());
    }

    /** The detail part of a handle's operation id; rejects handles another provider issued. */
    String detailOf(OperationHandle handle) {
        if (!handle.provider().equals(provider())) {
            throw new ResourceNotFound(provider(), ResourceType.OPERATION, handle.operationId(),
                    "operation was issued by provider " + handle.provider());
        }
        String prefix = handle.kind().name().toLowerCase(java.util.Locale.ROOT) + ":" + handle.resource().id();
        if (!handle.operationId().startsWith(prefix)) {
            throw new RequestRejected(provider(), "not an operation id of this connector: " + handle.operationId());
        }
        String rest = handle.operationId().substring(prefix.length());
        return rest.startsWith(":") ? rest.substring(1) : "";
    }
}
