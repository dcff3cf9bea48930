/**
 * The local hierarchical IPAM's rules, without storage: how a VPC is laid out into zone ranges and
 * host blocks ({@link io.skydeck.network.ipam.VpcLayout}), a block's free map
 * ({@link io.skydeck.network.ipam.BlockBitmap}), where the next address of a host comes from
 * ({@link io.skydeck.network.ipam.AllocationRule}), the quarantine of released addresses and the
 * aggregated routes (one per block). The service keeps the state in PostgreSQL.
 */
package io.skydeck.network.ipam;
