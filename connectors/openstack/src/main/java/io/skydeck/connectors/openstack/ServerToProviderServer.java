package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ProviderServer;
import org.openstack4j.model.compute.Address;
import org.openstack4j.model.compute.Server;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Nova server as the SPI sees it. Skydeck's idempotency token lives in the server's metadata
 * under {@link #TOKEN_KEY}, the id of the port Skydeck made for it under {@link #PORT_KEY}; the
 * rest of the metadata is the server's tags.
 */
final class ServerToProviderServer {
    static final String TOKEN_KEY = "skydeck-token";
    /** The Neutron port Skydeck made for the server, which Nova does not delete with it. */
    static final String PORT_KEY = "skydeck-port";

    private ServerToProviderServer() {
    }

    static ProviderServer convert(Server server, String region) {
        Map<String, String> metadata = server.getMetadata() == null ? Map.of() : server.getMetadata();
        Map<String, String> tags = new HashMap<>(metadata);
        Optional<IdempotencyToken> token = Optional.ofNullable(tags.remove(TOKEN_KEY)).flatMap(ServerToProviderServer::token);
        tags.remove(PORT_KEY);
        tags.remove(OpenStackDeployments.INSTALL_TOKEN_KEY);
        return new ProviderServer(
                server.getId(),
                nullToEmpty(server.getName()),
                region,
                nullToEmpty(server.getAvailabilityZone()),
                Optional.ofNullable(server.getHypervisorHostname()).or(() -> Optional.ofNullable(server.getHost())),
                nullToEmpty(server.getFlavorId()),
                nullToEmpty(server.getImageId()),
                NovaStatusToServerStatus.convert(server.getStatus(), server.getTaskState()),
                server.getStatus() == null ? "" : server.getStatus().name(),
                token,
                addresses(server),
                tags,
                server.getCreated() == null ? Instant.EPOCH : server.getCreated().toInstant());
    }

    static Optional<IdempotencyToken> tokenOf(Server server) {
        return server.getMetadata() == null ? Optional.empty()
                : Optional.ofNullable(server.getMetadata().get(TOKEN_KEY)).flatMap(ServerToProviderServer::token);
    }

    static Optional<String> portOf(Server server) {
        return server.getMetadata() == null ? Optional.empty()
                : Optional.ofNullable(server.getMetadata().get(PORT_KEY)).filter(port -> !port.isBlank());
    }

    /** A metadata value someone else wrote under our key is not a token, not an error. */
    private static Optional<IdempotencyToken> token(String value) {
        try {
            return Optional.of(IdempotencyToken.of(value));
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty();
        }
    }

    private static List<String> addresses(Server server) {
        List<String> addresses = new ArrayList<>();
        if (server.getAddresses() != null && server.getAddresses().getAddresses() != null) {
            for (List<? extends Address> onNetwork : server.getAddresses().getAddresses().values()) {
                onNetwork.forEach(address -> addresses.add(address.getAddr()));
            }
        }
        return addresses;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
