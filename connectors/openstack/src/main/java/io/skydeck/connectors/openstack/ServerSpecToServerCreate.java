package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ServerSpec;
import org.openstack4j.api.Builders;
import org.openstack4j.model.compute.ServerCreate;
import org.openstack4j.model.compute.builder.ServerCreateBuilder;

import java.util.HashMap;

/** A Skydeck server request as Nova's {@code POST /servers} body. */
final class ServerSpecToServerCreate {
    private ServerSpecToServerCreate() {
    }

    /**
     * Without a fixed address: Nova makes a port on each network ({@code networks: [{"uuid": …}]})
     * and puts the groups on them ({@code security_groups: [{"name": …}]}, where Neutron's group ids
     * are accepted as names).
     */
    static ServerCreate convert(ServerSpec spec, IdempotencyToken token) {
        ServerCreateBuilder builder = common(spec, token, new HashMap<>());
        if (!spec.networkIds().isEmpty()) {
            builder.networks(spec.networkIds());
        }
        spec.securityGroupIds().forEach(builder::addSecurityGroup);
        return builder.build();
    }

    /**
     * On the port Skydeck made for the server ({@code networks: [{"port": …}]}). No security_groups:
     * Nova applies them only to ports it creates itself; the groups are already on this one. The
     * port id goes into the metadata too, so that deleting the server can remove the port, which
     * Nova leaves behind because it did not make it.
     */
    static ServerCreate convertOnPort(ServerSpec spec, IdempotencyToken token, String portId) {
        var metadata = new HashMap<String, String>();
        metadata.put(ServerToProviderServer.PORT_KEY, portId);
        ServerCreateBuilder builder = common(spec, token, metadata);
        builder.addNetworkPort(portId);
        return builder.build();
    }

    private static ServerCreateBuilder common(ServerSpec spec, IdempotencyToken token, HashMap<String, String> metadata) {
        metadata.putAll(spec.tags());
        // Nova has no client token: the metadata entry is what makes a repeated create find the first server.
        metadata.put(ServerToProviderServer.TOKEN_KEY, token.value());
        ServerCreateBuilder builder = Builders.server()
                .name(spec.name())
                .flavor(spec.flavorId())
                .image(spec.imageId())
                .addMetadata(metadata);
        // Skydeck's hosts are hypervisors as os-hypervisors names them (hypervisor_hostname: Nova's
        // "node"), which is not always the compute service's host name ("zone:host"). Nova pins a
        // node with "zone::node" (admin only); a zone alone is an ordinary request.
        spec.zone().map(zone -> spec.host().map(node -> zone + "::" + node).orElse(zone)).ifPresent(builder::availabilityZone);
        return builder;
    }
}
