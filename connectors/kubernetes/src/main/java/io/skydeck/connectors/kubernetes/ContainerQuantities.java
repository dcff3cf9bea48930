package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Quantity;
import io.skydeck.connectors.spi.ContainerResources;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/** Kubernetes quantities ("500m", "2", "1Gi", "1500M") to and from the SPI's millicores and MiB. */
final class ContainerQuantities {
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final BigDecimal BYTES_PER_MIB = BigDecimal.valueOf(1024L * 1024);

    private ContainerQuantities() {
    }

    static Quantity cpu(long millis) {
        return new Quantity(millis + "m");
    }

    static Quantity memory(long mib) {
        return new Quantity(mib + "Mi");
    }

    /** Rounded up: a request of 0.0005 cores still takes a millicore from the node. */
    static long cpuMillis(Quantity quantity) {
        if (quantity == null) {
            return 0;
        }
        return quantity.getNumericalAmount().multiply(THOUSAND).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** Rounded down for capacity ("1500M" is 1430.5 MiB, of which 1430 whole MiB can be handed out). */
    static long memoryMiBFloor(Quantity quantity) {
        if (quantity == null) {
            return 0;
        }
        return quantity.getNumericalAmount().divide(BYTES_PER_MIB, 0, RoundingMode.FLOOR).longValueExact();
    }

    /** Rounded up for demand, so what pods request is never under-counted. */
    static long memoryMiBCeiling(Quantity quantity) {
        if (quantity == null) {
            return 0;
        }
        return quantity.getNumericalAmount().divide(BYTES_PER_MIB, 0, RoundingMode.CEILING).longValueExact();
    }

    static int count(Quantity quantity) {
        return quantity == null ? 0 : quantity.getNumericalAmount().setScale(0, RoundingMode.FLOOR).intValueExact();
    }

    /** A node's allocatable or capacity map: cpu, memory, pods. */
    static ContainerResources capacity(Map<String, Quantity> resources) {
        Map<String, Quantity> r = resources == null ? Map.of() : resources;
        return new ContainerResources(cpuMillis(r.get("cpu")), memoryMiBFloor(r.get("memory")), count(r.get("pods")));
    }

    /** A container's requests, as one pod's worth of demand without the pod count. */
    static ContainerResources requests(Map<String, Quantity> requests) {
        Map<String, Quantity> r = requests == null ? Map.of() : requests;
        return new ContainerResources(cpuMillis(r.get("cpu")), memoryMiBCeiling(r.get("memory")), 0);
    }

    static Map<String, Quantity> cpuAndMemory(ContainerResources resources) {
        var map = new HashMap<String, Quantity>();
        map.put("cpu", cpu(resources.cpuMillis()));
        map.put("memory", memory(resources.memoryMiB()));
        return map;
    }
}
