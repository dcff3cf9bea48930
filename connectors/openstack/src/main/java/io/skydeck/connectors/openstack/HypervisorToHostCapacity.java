package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.OpenStackConfig.Overcommit;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Resources;
import org.openstack4j.model.compute.ext.Hypervisor;

/**
 * A Nova hypervisor as host capacity. Nova reports raw vCPUs and MiB; the scheduler allows
 * the configured allocation ratios on top, so capacity is raw × ratio and free is what is left.
 */
final class HypervisorToHostCapacity {
    private HypervisorToHostCapacity() {
    }

    static HostCapacity convert(Hypervisor hypervisor, String region, String zone, Overcommit overcommit) {
        int vcpus = (int) Math.floor(hypervisor.getVirtualCPU() * overcommit.cpu());
        long memory = (long) Math.floor(hypervisor.getLocalMemory() * overcommit.ram());
        Resources capacity = new Resources(vcpus, memory, 0);
        Resources free = new Resources(
                Math.max(0, vcpus - hypervisor.getVirtualUsedCPU()),
                Math.max(0, memory - hypervisor.getLocalMemoryUsed()),
                0);
        return new HostCapacity(hypervisor.getHypervisorHostname(), region, zone, capacity, free);
    }
}
