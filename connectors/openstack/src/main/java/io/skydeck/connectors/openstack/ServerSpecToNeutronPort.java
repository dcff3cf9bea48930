package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ServerSpec;
import org.openstack4j.api.Builders;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.builder.PortBuilder;

/**
 * A Skydeck server in a tenant network as the Neutron port it boots on ({@code POST /v2.0/ports}):
 * the network, the IPAM's address on its subnet as the one fixed IP, and the tenant's security
 * groups, which belong to the port, not to the server. The port is named after the server's
 * create token, so a retried create finds it with {@code GET /v2.0/ports?name=…} — the name is
 * written in the same request that makes the port, unlike tags, which Neutron takes only after.
 * (OpenStack4j's port model carries no description, so the name is the one place for it.)
 */
final class ServerSpecToNeutronPort {
    static final String NAME_PREFIX = "skydeck-port-";

    private ServerSpecToNeutronPort() {
    }

    static String nameFor(IdempotencyToken token) {
        return NAME_PREFIX + token.value();
    }

    static Port convert(ServerSpec spec, IdempotencyToken token) {
        String subnetId = spec.subnetId().orElseThrow(() -> new IllegalArgumentException("a port is made for a spec with a subnet"));
        String address = spec.fixedAddress().orElseThrow(() -> new IllegalArgumentException("a port is made for a spec with an address"));
        PortBuilder port = Builders.port()
                .name(nameFor(token))
                .networkId(spec.networkIds().get(0))
                .fixedIp(address, subnetId)
                // OpenStack4j sends admin_state_up=false unless told, where Neutron's default is up.
                .adminState(true);
        // No groups named leaves security_groups out, so Neutron puts the project's default group on
        // the port, as Nova does for a server booted without groups.
        spec.securityGroupIds().forEach(port::securityGroup);
        return port.build();
    }
}
