package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderSubnet;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.ec2.model.VpcCidrBlockStateCode;
import software.amazon.awssdk.services.ec2.model.VpcIpv6CidrBlockAssociation;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** A VPC is a Skydeck network; its subnets are Skydeck subnets, each in one zone. */
final class VpcToProviderNetwork {
    private VpcToProviderNetwork() {
    }

    static ProviderNetwork convert(Vpc vpc, String region) {
        return new ProviderNetwork(vpc.vpcId(), Ec2Tags.name(vpc.tags()).orElse(vpc.vpcId()), region,
                Optional.ofNullable(vpc.cidrBlock()), Ec2Tags.token(vpc.tags()), Ec2Tags.userTags(vpc.tags()),
                ipv6Blocks(vpc).filter(a -> a.ipv6CidrBlockState().state() == VpcCidrBlockStateCode.ASSOCIATED)
                        .map(VpcIpv6CidrBlockAssociation::ipv6CidrBlock).findFirst());
    }

    /** The IPv6 blocks a VPC holds or is being given; a failed or released association is none. */
    static Stream<VpcIpv6CidrBlockAssociation> ipv6Blocks(Vpc vpc) {
        return vpc.ipv6CidrBlockAssociationSet().stream().filter(a -> a.ipv6CidrBlockState() != null
                && HELD.contains(a.ipv6CidrBlockState().state()));
    }

    private static final Set<VpcCidrBlockStateCode> HELD = Set.of(VpcCidrBlockStateCode.ASSOCIATING, VpcCidrBlockStateCode.ASSOCIATED);

    /**
     * The VPC's state, except that a VPC whose IPv6 block is still being associated is not yet done:
     * its /56 is unknown until then, and the service records it when the create succeeds.
     */
    static String state(Vpc vpc) {
        boolean associating = ipv6Blocks(vpc).anyMatch(a -> a.ipv6CidrBlockState().state() == VpcCidrBlockStateCode.ASSOCIATING);
        return associating ? "ipv6-block-" + VpcCidrBlockStateCode.ASSOCIATING : vpc.stateAsString();
    }

    static ProviderSubnet convert(Subnet subnet, String region) {
        return new ProviderSubnet(subnet.subnetId(), subnet.vpcId(), Ec2Tags.name(subnet.tags()).orElse(subnet.subnetId()),
                region, subnet.cidrBlock() == null ? "" : subnet.cidrBlock(), Optional.ofNullable(subnet.availabilityZone()),
                Ec2Tags.token(subnet.tags()), Ec2Tags.userTags(subnet.tags()));
    }
}
