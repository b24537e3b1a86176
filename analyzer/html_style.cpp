#include "html_style.h"

namespace aa {
// Colours: the write is amber, the overtaker red, handoffs blue, the
// acknowledgment green, its absence a struck red arrow.  Chosen to survive
// a greyscale print: the write and the overtaker also differ in pattern (outline).
const char* html_style() {
  return R"CSS(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1180px; color: #1f2328; padding: 0 16px; }
h1 { font-size: 22px; margin: 0; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 16px; margin: 0 0 6px; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f4f6; padding: 0 3px; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f9fafb; font-weight: 600; }
.aa-tool { color: #6b7280; margin: 2px 0 8px; }
.aa-badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; background: #e5e7eb; }
.aa-badge.aa-sev-error { background: #fee2e2; color: #991b1b; } .aa-badge.aa-sev-warning { background: #fef3c7; color: #92400e; }
.aa-badge.aa-sev-note { background: #e0e7ff; color: #3730a3; }
.aa-finding { border: 1px solid #e5e7eb; border-left: 5px solid #9ca3af; border-radius: 6px; padding: 12px 16px; margin: 18px 0; }
.aa-finding.aa-sev-error { border-left-color: #dc2626; } .aa-finding.aa-sev-warning { border-left-color: #d97706; }
.aa-message { font-weight: 600; margin: 4px 0; } .aa-file { margin: 2px 0; color: #374151; }
.aa-stale { background: #fef2f2; border: 1px solid #fecaca; padding: 4px 8px; border-radius: 4px; margin: 6px 0; }
.aa-hint { background: #f0fdf4; border: 1px solid #bbf7d0; padding: 4px 8px; border-radius: 4px; margin: 6px 0; }
.aa-evidence { color: #4b5563; font-size: 13px; } .aa-none { color: #9ca3af; } .aa-warn { color: #b45309; }
.aa-clean { color: #15803d; font-weight: 600; }
.aa-timeline { display: block; margin: 10px 0; font: 12px system-ui, sans-serif; border: 1px solid #e5e7eb; border-radius: 4px; }
.aa-svg-caption { fill: #6b7280; }
.aa-lane-bg { fill: #ffffff; } .aa-lane-bg.aa-odd { fill: #f8fafc; }
.aa-lane-tid { font-weight: 700; fill: #111827; font-size: 13px; } .aa-lane-role { fill: #4b5563; }
.aa-lane-line { stroke: #cbd5e1; stroke-width: 1; }
.aa-axis line { stroke: #9ca3af; } .aa-axis .aa-tick { stroke: #e5e7eb; } .aa-axis text { fill: #6b7280; }
.aa-write rect { fill: #f59e0b; stroke: #b45309; stroke-width: 1.5; } .aa-write text { fill: #92400e; font-weight: 700; }
.aa-overtaker rect { fill: #dc2626; stroke: #7f1d1d; stroke-width: 1.5; } .aa-overtaker text { fill: #991b1b; font-weight: 700; }
.aa-submission rect { fill: #3b82f6; } .aa-submission text { fill: #1d4ed8; }
.aa-ack rect { fill: #22c55e; } .aa-ack text { fill: #15803d; }
.aa-arrow-submission { fill: none; stroke: #2563eb; stroke-width: 2; }
.aa-arrow-ack { fill: none; stroke: #15803d; stroke-width: 2; }
.aa-noack line { stroke: #dc2626; stroke-width: 2; stroke-dasharray: 4 3; } .aa-noack path { stroke: #dc2626; stroke-width: 2.5; }
.aa-noack text { fill: #dc2626; font-weight: 700; }
.aa-overtake-line { stroke: #dc2626; stroke-width: 1.5; stroke-dasharray: 5 4; }
.aa-verdict { fill: #991b1b; font-style: italic; }
.aa-events th { color: #4b5563; font-weight: 600; }
details.aa-stack { margin: 4px 0; } details.aa-stack summary { cursor: pointer; }
details.aa-stack ol { margin: 4px 0 8px; font-size: 12.5px; }
.aa-frame { color: #9ca3af; } .aa-frame.aa-user { color: #111827; font-weight: 700; background: #fffbeb; }
.aa-frame .aa-fn { background: none; } span.aa-user { font-weight: 600; }
.aa-nostack { color: #9ca3af; font-size: 13px; margin: 2px 0; }
)CSS";
}
}  // namespace aa
