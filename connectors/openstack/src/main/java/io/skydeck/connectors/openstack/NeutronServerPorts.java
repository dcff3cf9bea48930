package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.Resource;
import org.openstack4j.model.network.options.PortListOptions;

import java.util.Optional;

/**
 * The Neutron port a server in a tenant network boots on, made by Skydeck because only a port
 * can hold the fixed address its IPAM chose. Its life around the server's:
 * <ul>
 *   <li>made before the boot, named after the create token ({@link ServerSpecToNeutronPort}), so
 *       a create retried after a crash between the port and the boot finds and reuses it;</li>
 *   <li>deleted at once when Nova answered the boot with a 4xx (refused, unknown flavor, quota,
 *       throttled): Nova made no server, and a retry makes the port again; kept when Nova may have
 *       made the server anyway (a 5xx, no answer), for the retry with the same token finds that
 *       server or boots on the port;</li>
 *   <li>deleted once the server is gone, by the delete operation's poll: Nova leaves ports it
 *       did not make, so nobody else would. A server that ended in ERROR is deleted the same way.</li>
 *   <li>deleted by the failed create's clean-up when no server was made at all (every boot a 5xx):
 *       it finds no server by the token and releases the port named for it ({@link #releaseUnbound}).</li>
 * </ul>
 */
final class NeutronServerPorts {
    private final OpenStackSession session;

    NeutronServerPorts(OpenStackSession session) {
        this.session = session;
    }

    /** Whether a failed boot surely made no server: Nova answered, and with a 4xx. */
    static boolean novaMadeNothing(ProviderException failure) {
        return !(failure instanceof ProviderUnavailable || failure instanceof ProviderTimeout);
    }

    /** The port this token made, checked to be for the same address, or a new one. */
    String findOrCreate(ServerSpec spec, IdempotencyToken token) {
        Target what = Target.of(ResourceType.NETWORK, spec.networkIds().get(0));
        return session.call(spec.region(), what, os -> {
            Optional<Port> earlier = named(os, token);
            String portId;
            if (earlier.isPresent()) {
                requireSameAddress(earlier.get(), spec, token);
                portId = earlier.get().getId();
            } else {
                portId = os.networking().port().create(ServerSpecToNeutronPort.convert(spec, token)).getId();
            }
            // Also on reuse: a crash between the create and the tags left the port untagged.
            NeutronTagging.replace(os, Resource.PORT, portId, NeutronTags.encode(spec.tags(), Optional.of(token)));
            return portId;
        });
    }

    /**
     * After Nova refused the boot: removes the port unless a server holds it (a concurrent create
     * with the same token that did boot on it). A failure here is added to the boot's, not thrown
     * instead of it.
     */
    void releaseAfterRefusedBoot(String region, String portId, ProviderException refused) {
        try {
            session.call(region, Target.of(ResourceType.NETWORK, portId), os -> {
                Port port = os.networking().port().get(portId);
                if (port != null && (port.getDeviceId() == null || port.getDeviceId().isEmpty())) {
                    deleteIgnoringGone(os, portId);
                }
                return null;
            });
        } catch (ProviderException cleanupFailed) {
            refused.addSuppressed(cleanupFailed);
        }
    }

    /**
     * When no server was made for the token (every boot attempt saw a 5xx, and the clean-up found
     * no server by the token): the port named for the token is deleted unless a server holds it.
     */
    void releaseUnbound(String region, IdempotencyToken token) {
        session.call(region, Target.of(ResourceType.NETWORK, ServerSpecToNeutronPort.nameFor(token)), os -> {
            named(os, token).filter(port -> port.getDeviceId() == null || port.getDeviceId().isEmpty())
                    .ifPresent(port -> deleteIgnoringGone(os, port.getId()));
            return null;
        });
    }

    /** After the server is gone; a port Neutron no longer has is fine. */
    void deleteAfterServer(String region, String portId) {
        Target what = Target.of(ResourceType.NETWORK, portId);
        session.call(region, what, os -> {
            deleteIgnoringGone(os, portId);
            return null;
        });
    }

    private void deleteIgnoringGone(OSClientV3 os, String portId) {
        var response = os.networking().port().delete(portId);
        if (!response.isSuccess() && response.getCode() != 404) {
            session.requireSuccess(response, Target.of(ResourceType.NETWORK, portId));
        }
    }

    private static Optional<Port> named(OSClientV3 os, IdempotencyToken token) {
        String name = ServerSpecToNeutronPort.nameFor(token);
        return os.networking().port().list(PortListOptions.create().name(name)).stream()
                .filter(port -> name.equals(port.getName()))
                .map(Port.class::cast)
                .findFirst();
    }

    private void requireSameAddress(Port earlier, ServerSpec spec, IdempotencyToken token) {
        String subnetId = spec.subnetId().orElseThrow();
        String address = spec.fixedAddress().orElseThrow();
        boolean same = spec.networkIds().get(0).equals(earlier.getNetworkId())
                && earlier.getFixedIps() != null
                && earlier.getFixedIps().stream().anyMatch(ip -> subnetId.equals(ip.getSubnetId()) && address.equals(ip.getIpAddress()));
        if (!same) {
            throw new RequestRejected(session.provider(), "idempotency token " + token + " was used for port " + earlier.getId()
                    + " on network " + earlier.getNetworkId() + " and cannot make one for " + address + " on subnet " + subnetId,
                    "token-reused", null);
        }
    }
}
