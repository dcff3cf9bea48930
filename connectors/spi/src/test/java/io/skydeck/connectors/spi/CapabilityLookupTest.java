package io.skydeck.connectors.spi;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CapabilityLookupTest {

    /** A provider that can only report inventory, like a read-only monitoring account. */
    private static final class InventoryOnlyProvider implements CloudProvider {
        private final CapabilitySet capabilities = CapabilitySet.empty().with(Inventory.class, new Inventory() {
            @Override
            public List<Flavor> flavors(String region) {
                return List.of();
            }

            @Override
            public List<HostCapacity> hosts(String region) {
                return List.of();
            }

            @Override
            public List<ContainerCapacity> containerCapacity(String region) {
                return List.of();
            }
        });

        @Override
        public String name() {
            return "watcher";
        }

        @Override
        public ProviderKind kind() {
            return ProviderKind.OPENSTACK;
        }

        @Override
        public List<Region> regions() {
            return List.of(new Region("RegionOne", List.of("nova")));
        }

        @Override
        public Set<CapabilityKind> capabilities() {
            return capabilities.kinds();
        }

        @Override
        public <C extends Capability> Optional<C> capability(Class<C> type) {
            return capabilities.get(type);
        }

        @Override
        public ProviderHealth health() {
            return new ProviderHealth(ProviderHealth.State.UP, "ok", Instant.EPOCH);
        }
    }

    private final CloudProvider provider = new InventoryOnlyProvider();

    @Test
    void aCapabilityTheProviderHasIsHandedOut() {
        assertThat(provider.capability(Inventory.class)).isPresent();
        assertThat(provider.require(Inventory.class)).isInstanceOf(Inventory.class);
        assertThat(provider.capabilities()).containsExactly(CapabilityKind.INVENTORY);
    }

    @Test
    void aCapabilityTheProviderLacksIsEmpty() {
        assertThat(provider.capability(Servers.class)).isEmpty();
    }

    @Test
    void requiringAMissingCapabilitySaysWhichProviderCannotDoWhat() {
        assertThatThrownBy(() -> provider.require(Workloads.class))
                .isInstanceOf(CapabilityNotSupported.class)
                .hasMessage("provider watcher cannot run container workloads")
                .satisfies(e -> {
                    var notSupported = (CapabilityNotSupported) e;
                    assertThat(notSupported.provider()).isEqualTo("watcher");
                    assertThat(notSupported.capability()).isEqualTo(CapabilityKind.WORKLOADS);
                });
    }

    @Test
    void pollingAServerOperationOnAProviderWithoutServersIsNotSupported() {
        var handle = new OperationHandle("watcher", "op-1", OperationKind.CREATE,
                new ResourceRef(ResourceType.SERVER, "srv-1", "RegionOne"), Optional.empty(), Instant.EPOCH);

        assertThatThrownBy(() -> provider.poll(handle))
                .isInstanceOf(CapabilityNotSupported.class)
                .hasMessage("provider watcher cannot run servers (VMs)");
    }

    @Test
    void everyCapabilityInterfaceHasAName() {
        for (var kind : CapabilityKind.values()) {
            assertThat(CapabilityKind.of(kind.type())).isEqualTo(kind);
        }
    }
}
