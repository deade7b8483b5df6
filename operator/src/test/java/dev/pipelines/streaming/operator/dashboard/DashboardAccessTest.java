package dev.pipelines.streaming.operator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The dashboard shares its port with /metrics: who may see it. */
class DashboardAccessTest {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  static final InetAddress POD = address(10, 244, 0, 17);

  static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void byDefaultOnlyLoopbackClientsSeeIt() {
    DashboardAccess access = DashboardAccess.loopbackOnly();
    assertThat(access.refusal(LOOPBACK, null)).isNull();
    assertThat(access.refusal(POD, null)).isEqualTo("the dashboard answers loopback clients only: use kubectl"
        + " port-forward, or start the operator with --dashboard-token-file");
  }

  @Test
  void withATokenAnyClientPresentingItSeesIt() {
    DashboardAccess access = DashboardAccess.of("s3cret-token");
    assertThat(access.refusal(POD, "Bearer s3cret-token")).isNull();
    assertThat(access.refusal(POD, "Bearer wrong")).isEqualTo("a bearer token is required (Authorization: Bearer ...)");
    assertThat(access.refusal(LOOPBACK, null)).as("the token applies to everyone").isNotNull();
  }
}
