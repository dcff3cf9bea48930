/**
 * Reachability with reasons: given a topology (VPCs, subnets, links, endpoints, security groups)
 * and a flow (from, to, protocol, port), whether it gets through, along which path, and which
 * rules decide — the rules that allow it, or the hop that stops it, in words a tenant understands.
 */
package io.skydeck.network.reachability;
