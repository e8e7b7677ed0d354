/**
 * The compiler's way to report an issue: a field path (segments) and a message; the reporter
 * formats the path and looks up the source line, so compile code never deals with positions.
 */
import { formatPath, type IssueList, type PathSegment, type SpecIssueCode } from './issues.js';
import type { Locator } from './locate.js';

export interface Reporter {
  issue(code: SpecIssueCode, path: readonly PathSegment[], message: string): void;
  /** True once enough issues were collected; expensive extras (suggestions) may be skipped. */
  readonly full: boolean;
  readonly locate: Locator;
  /** The underlying list, for checks that build complete issues themselves (the schema check). */
  readonly list: IssueList;
}

export function makeReporter(issues: IssueList, locate: Locator): Reporter {
  return {
    issue(code, path, message) {
      const at = locate(path);
      issues.add({ code, path: formatPath(path), ...(at === undefined ? {} : { line: at.line, column: at.column }), message });
    },
    get full() {
      return issues.full;
    },
    locate,
    list: issues,
  };
}
