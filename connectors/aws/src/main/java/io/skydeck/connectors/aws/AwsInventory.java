package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Inventory;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What AWS tells about capacity: the instance types a region offers, and nothing more. EC2
 * hides its hosts and publishes no free capacity, so {@link #hosts} is empty — honestly so:
 * placement treats AWS as "any flavor fits until RunInstances says InsufficientInstanceCapacity
 * or a limit is exceeded", and the account's vCPU quota (Service Quotas) is not read here.
 */
final class AwsInventory implements Inventory {
    private final Ec2Gateway ec2;

    AwsInventory(Ec2Gateway ec2) {
        this.ec2 = ec2;
    }

    @Override
    public List<Flavor> flavors(String region) {
        return ec2.call(region, Call.read("DescribeInstanceTypes", Map.of()), client ->
                client.describeInstanceTypesPaginator(request -> { }).instanceTypes().stream()
                        .map(InstanceTypeToFlavor::convert)
                        .sorted(Comparator.comparing(Flavor::id))
                        .toList());
    }

    @Override
    public List<HostCapacity> hosts(String region) {
        return List.of();
    }

    @Override
    public List<ContainerCapacity> containerCapacity(String region) {
        return List.of();
    }
}
