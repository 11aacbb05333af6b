/** A target group's health-check settings as stored, shared by the store and the desired-state compiler. */
export interface HealthCheck {
  enabled: boolean;
  protocol: string;
  /** A port number, or 'traffic-port'. */
  port: string;
  path?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  matcher?: string;
}
