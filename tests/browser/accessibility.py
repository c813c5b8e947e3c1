"""What every page of a journey must be, checked in the browser: no wider than the phone it is read on, and
without a serious or critical accessibility violation found by axe-core (vendored in tests/browser/vendor/)."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# The name the browser gives axe-core's code in its messages, so that they can be told from the page's.
AXE_SOURCE_URL = "axe-core-for-tests.js"
# The impacts axe-core calls serious and critical: what stops people using the page, not what slows them.
BLOCKING = ("serious", "critical")

_RUN_AXE = """async (blocking) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((violation) => blocking.includes(violation.impact))
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at `
      + violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", "));
}"""


def too_wide(page):
    """How many CSS pixels the page is wider than its viewport (0 when it fits), and the widest culprit."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const over = document.documentElement.scrollWidth - width;
          if (over <= 0) return [0, ""];
          // The element reaching furthest right, the deepest of those that reach as far: what sticks out.
          let culprit = "", furthest = width + 1;
          for (const element of document.body.querySelectorAll("*")) {
            const box = element.getBoundingClientRect();
            if (box.width > 0 && box.right >= furthest) {
              furthest = box.right;
              culprit = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
                + (element.className && typeof element.className === "string" ? "." + element.className.trim().split(/\\s+/).join(".") : "");
            }
          }
          return [over, culprit];
        }"""
    )


def axe_violations(page):
    """The serious and critical violations axe-core finds on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the browser's debugging protocol: the page's Content-Security-Policy, which
        # would refuse a script tag from the test, does not apply to it.
        page.evaluate(AXE.read_text(encoding="utf-8") + f"\n//# sourceURL={AXE_SOURCE_URL}")
    return page.evaluate(_RUN_AXE, list(BLOCKING))


def page_problems(page, label):
    """What is wrong with the page a person is on: too wide for the phone, or inaccessible; [] when nothing."""
    problems = []
    over, culprit = too_wide(page)
    if over > 0:
        problems.append(f"{label}: {over}px wider than the viewport (e.g. {culprit})")
    problems.extend(f"{label}: {violation}" for violation in axe_violations(page))
    return problems
