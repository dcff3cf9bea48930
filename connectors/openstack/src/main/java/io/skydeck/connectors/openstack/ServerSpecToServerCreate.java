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

    static ServerCreate convert(ServerSpec spec, IdempotencyToken token) {
        var metadata = new HashMap<>(spec.tags());
        // Nova has no client token: the metadata entry is what makes a repeated create find the first server.
        metadata.put(ServerToProviderServer.TOKEN_KEY, token.value());
        ServerCreateBuilder builder = Builders.server()
                .name(spec.name())
                .flavor(spec.flavorId())
                .image(spec.imageId())
                .addMetadata(metadata);
        if (!spec.networkIds().isEmpty()) {
            builder.networks(spec.networkIds());
        }
        spec.securityGroupIds().forEach(builder::addSecurityGroup);
        // Skydeck's hosts are hypervisors as os-hypervisors names them (hypervisor_hostname: Nova's
        // "node"), which is not always the compute service's host name ("zone:host"). Nova pins a
        // node with "zone::node" (admin only); a zone alone is an ordinary request.
        spec.zone().map(zone -> spec.host().map(node -> zone + "::" + node).orElse(zone)).ifPresent(builder::availabilityZone);
        return builder.build();
    }
}
