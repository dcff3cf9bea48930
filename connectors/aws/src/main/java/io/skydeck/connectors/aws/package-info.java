/**
 * The AWS provider: EC2 and VPC, and Elastic Load Balancing v2 target groups, through the AWS
 * SDK for Java v2.
 *
 * <h2>Wiring</h2>
 * <pre>{@code
 * var settings = AwsSettings.of("aws-prod",
 *         List.of(new Region("eu-central-1", List.of()),            // zones asked of EC2
 *                 new Region("us-east-1", List.of("us-east-1a", "us-east-1b"))),
 *         AwsCredentialsSource.standardEnvironment())               // or new SecretFile(Path.of("/run/secrets/aws"))
 *     .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(10)) // whole call, one attempt
 *     .withRetryPolicy(RetryPolicy.standard());                     // RetryPolicy.none() if the service retries
 * CloudProvider aws = AwsCloud.connect(settings);                   // one EC2 client per region
 * }</pre>
 * {@code withEndpointOverride(URI)} points every region's EC2 and ELBv2 client at one endpoint
 * (tests); the canonical constructor takes the two separately (a VPC interface endpoint serves
 * one service). Capabilities: Servers, Networks (VPCs, subnets), SecurityGroups, PublicIps
 * (Elastic IPs), Inventory (instance types only; no hosts), TrafficControl (ELBv2 target
 * groups), Deployments (root volume replacement from an AMI).
 *
 * <h2>Idempotency</h2>
 * RunInstances and CreateReplaceRootVolumeTask carry the Skydeck token as {@code ClientToken}; {@code findByToken} filters
 * DescribeInstances on {@code client-token}. CreateVpc, CreateSubnet, CreateSecurityGroup and
 * AllocateAddress have no client token: the token is the tag {@code skydeck:token}, written in
 * the create call's TagSpecifications and looked up before creating.
 *
 * <h2>Retries</h2>
 * The SDK's own retries are off. {@link io.skydeck.connectors.aws.RetryPolicy} retries
 * throttling always, 5xx answers always, and timeouts or unreadable answers only for calls
 * that are safe to repeat; never other 4xx. Backoff is exponential with full jitter; a
 * Retry-After header replaces it.
 */
package io.skydeck.connectors.aws;
