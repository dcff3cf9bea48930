package io.skydeck.network.reachability;

/**
 * How a flow travels: privately inside a subnet, a VPC or across one link, between public
 * addresses, or out of a workload through its nodes' addresses to a public one.
 */
public sealed interface Path {

    enum Kind { SAME_SUBNET, SAME_VPC, LINK, PUBLIC_IP, OUTBOUND_NAT }

    Kind kind();

    record SameSubnet() implements Path {
        public Kind kind() {
            return Kind.SAME_SUBNET;
        }
    }

    record SameVpc() implements Path {
        public Kind kind() {
            return Kind.SAME_VPC;
        }
    }

    record ViaLink(String linkId, Link.Kind linkKind) implements Path {
        public Kind kind() {
            return Kind.LINK;
        }
    }

    record PublicIp() implements Path {
        public Kind kind() {
            return Kind.PUBLIC_IP;
        }
    }

    /** A workload reaching out from its nodes' addresses (Kubernetes masquerades pod traffic leaving the cluster). */
    record OutboundNat() implements Path {
        public Kind kind() {
            return Kind.OUTBOUND_NAT;
        }
    }
}
