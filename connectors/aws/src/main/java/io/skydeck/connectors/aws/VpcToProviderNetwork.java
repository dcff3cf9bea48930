package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderSubnet;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;

import java.util.Optional;

/** A VPC is a Skydeck network; its subnets are Skydeck subnets, each in one zone. */
final class VpcToProviderNetwork {
    private VpcToProviderNetwork() {
    }

    static ProviderNetwork convert(Vpc vpc, String region) {
        return new ProviderNetwork(vpc.vpcId(), Ec2Tags.name(vpc.tags()).orElse(vpc.vpcId()), region,
                Optional.ofNullable(vpc.cidrBlock()), Ec2Tags.token(vpc.tags()), Ec2Tags.userTags(vpc.tags()));
    }

    static ProviderSubnet convert(Subnet subnet, String region) {
        return new ProviderSubnet(subnet.subnetId(), subnet.vpcId(), Ec2Tags.name(subnet.tags()).orElse(subnet.subnetId()),
                region, subnet.cidrBlock() == null ? "" : subnet.cidrBlock(), Optional.ofNullable(subnet.availabilityZone()),
                Ec2Tags.token(subnet.tags()), Ec2Tags.userTags(subnet.tags()));
    }
}
