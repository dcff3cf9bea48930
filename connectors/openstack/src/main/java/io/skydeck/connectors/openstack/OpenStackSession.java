package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
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

    /** Runs one or more OpenStack requests in a region; every failure leaves as a ProviderException. */
    <T> T call(String region, Target target, Function<OSClientV3, T> body) {
        ErrorResponse.clear();
        try {
            OSClientV3 client = keystone.client(region);
            T result = body.apply(client);
            keystone.adopt(client);
            return result;
        } catch (RuntimeException failure) {
            var mapped = faults.fromThrowable(failure, target);
            if (mapped instanceof io.skydeck.connectors.spi.AuthenticationFailed) {
                keystone.invalidate();
            }
            throw mapped;
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
