#!/usr/bin/env python3
"""Functions too long to hold in one's head, in server/ (C++) and frontend/src (TypeScript).

A function whose definition spans more than LIMIT lines (signature to closing brace) must say why it is
one piece: a comment in the lines just above it (or on its first body line) containing "one piece".
Exit status 1 lists the offenders; --list prints every function over the limit with its length.

tests/style/long_functions.txt lists the ones not yet split (path and name, one per line): a function
there is let through, a new one is not, and an entry that no longer needs to be there fails the check
too, so the list only shrinks.

The C++ side is a lexer, not a compiler: it removes comments, string and character literals, then
follows braces. A brace opens a function body when the text before it (since the last ';', '{' or '}')
ends in a parameter list, optionally followed by qualifiers, a trailing return type or a constructor's
initialiser list, and is not a control statement. Lambdas and local classes count toward the function
that holds them. The TypeScript side uses the same brace walk on `function`, methods and arrow
functions assigned to a name.
"""
import os
import re
import sys

LIMIT = int(os.environ.get("FUNCTION_LINES", "60"))
MARKER = re.compile(r"one piece", re.IGNORECASE)
CONTROL = {"if", "for", "while", "switch", "catch", "do", "else", "try", "return", "sizeof",
           "decltype", "alignof", "noexcept", "static_assert", "requires"}
SCOPE_WORDS = re.compile(r"\b(namespace|class|struct|union|enum)\b")


def strip(text, ts=False):
    """Comments, strings and characters replaced by spaces; newlines kept so line numbers hold."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and nxt == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif not ts and c == "R" and nxt == '"':
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if m:
                end = text.find(")" + m.group(1) + '"', i)
                end = n if end < 0 else end + len(m.group(1)) + 2
                out.append(re.sub(r"[^\n]", " ", text[i:end]))
                i = end
            else:
                out.append(c)
                i += 1
        elif c in "\"'" or (ts and c == "`"):
            if not ts and c == "'" and i > 0 and text[i - 1].isalnum():
                out.append(c)  # digit separator: 1'000'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n" and c != "`":
                    break
                j += 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + (c if j - 1 > i else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_cpp_function_head(head):
    h = " ".join(head.split())
    if not h or SCOPE_WORDS.search(h.split("(")[0]) and "(" not in h:
        return False
    if h.startswith("#"):
        return False
    # A constructor's initialiser list: `X::X(args) : a_(b), c_{d}` -- keep only what precedes it.
    m = re.match(r"^(.*?\))\s*(?:const\s*)?(?:noexcept\s*)?:\s*[A-Za-z_]", h)
    if m and "?" not in h:
        h = m.group(1)
    # Trailing qualifiers and return types after the parameter list.
    h = re.sub(r"\s*->\s*[\w:<>,\s\*&\[\]]+$", "", h)
    h = re.sub(r"(\s*\b(const|noexcept|override|final|mutable|volatile|&|&&)\b\s*)+$", "", h)
    h = re.sub(r"\s*noexcept\s*\([^()]*\)$", "", h)
    if not h.endswith(")"):
        return False
    depth, k = 0, len(h) - 1
    while k >= 0:
        if h[k] == ")":
            depth += 1
        elif h[k] == "(":
            depth -= 1
            if depth == 0:
                break
        k -= 1
    before = h[:k].rstrip()
    word = re.search(r"([\w:~<>,\s\*&]*?)([\w~]+|operator\s*\S+)$", before)
    if not word:
        return False
    name = word.group(2)
    if name in CONTROL or before.endswith("]"):
        return False  # a control statement or a lambda
    if re.search(r"[=(,]\s*$", before):
        return False
    return True


def is_ts_function_head(head):
    h = " ".join(head.split())
    if re.search(r"\bfunction\b[\w\s*]*\([^)]*\)\s*(:\s*[^={]+)?$", h):
        return True
    if re.search(r"=>\s*$", h) and re.search(r"\b(const|let)\s+\w+\s*(:[^=]+)?=\s*(async\s*)?[^=]*$", h):
        return True
    m = re.search(r"(^|[;{}\s])(async\s+)?(\w+)\s*\([^()]*\)\s*(:\s*[^={}]+)?$", h)
    return bool(m) and m.group(3) not in CONTROL and m.group(3) != "function"


def functions(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    ts = path.endswith((".ts", ".tsx"))
    code = strip(text, ts)
    stack = []  # for each open brace: (kind, start offset, name line)
    head_start = 0
    found = []
    line_of = lambda off: code.count("\n", 0, off) + 1  # noqa: E731
    parens = 0  # braces inside parentheses (destructured parameters, lambdas passed as arguments) are not scopes
    for i, c in enumerate(code):
        if c in "([":
            parens += 1
        elif c in ")]":
            parens = max(0, parens - 1)
        elif parens:
            continue
        elif c == "{":
            in_function = any(k == "function" for k, _ in stack)
            head = code[head_start:i]
            # Macro lines and preprocessor directives do not belong to the head.
            head = "\n".join(l for l in head.split("\n") if not l.lstrip().startswith("#"))
            kind = "block"
            if not in_function:
                if (is_ts_function_head(head) if ts else is_cpp_function_head(head)):
                    kind = "function"
            start = head_start + (len(code[head_start:i]) - len(code[head_start:i].lstrip()))
            stack.append((kind, start if kind == "function" else i))
            head_start = i + 1
        elif c == "}":
            if stack:
                kind, start = stack.pop()
                if kind == "function":
                    found.append((line_of(start), line_of(i)))
            head_start = i + 1
        elif c == ";":
            head_start = i + 1
    lines = text.split("\n")
    out = []
    for first, last in found:
        length = last - first + 1
        name = " ".join(lines[first - 1].split())[:90]
        above = "\n".join(lines[max(0, first - 12):first + 1])
        out.append((length, first, name, bool(MARKER.search(above))))
    return out


def short_name(signature):
    """`LineOutcome Foo::bar(std::string_view x) {` -> `Foo::bar`; `export function OverviewTab({` -> `OverviewTab`."""
    head = signature.split("(")[0].split()
    return head[-1].lstrip("*&") if head else signature


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    listing = "--list" in sys.argv
    dirs = [("server", (".cpp", ".hpp")), ("frontend/src", (".ts", ".tsx"))]
    allowed_file = os.path.join(root, "tests", "style", "long_functions.txt")
    allowed = set()
    if os.path.exists(allowed_file):
        for line in open(allowed_file, encoding="utf-8"):
            line = line.split("#")[0].strip()
            if line:
                allowed.add(line)
    offenders, over, seen = [], [], set()
    for d, exts in dirs:
        for base, _, files in os.walk(os.path.join(root, d)):
            if "node_modules" in base or "/proto" in base:
                continue
            for f in sorted(files):
                if not f.endswith(exts) or f.endswith((".test.ts", ".test.tsx", ".d.ts")):
                    continue
                p = os.path.join(base, f)
                for length, first, name, why in functions(p):
                    if length > LIMIT:
                        rel = os.path.relpath(p, root)
                        over.append((length, f"{rel}:{first}", name, why))
                        key = f"{rel} {short_name(name)}"
                        if not why and key in allowed:
                            seen.add(key)
                        elif not why:
                            offenders.append((length, f"{rel}:{first}", name))
    if listing:
        for length, where, name, why in sorted(over, reverse=True):
            print(f"{length:5d}  {'why ' if why else '    '} {where}  {name}")
    stale = sorted(allowed - seen)
    if stale:
        print("tests/style/long_functions.txt lists functions that are no longer over the limit "
              "(or were renamed): remove these lines")
        for key in stale:
            print(f"  {key}")
    if offenders:
        print(f"functions over {LIMIT} lines without a comment saying why they are one piece "
              f"(write \"one piece\" and the reason just above the function, or split it):")
        for length, where, name in sorted(offenders, reverse=True):
            print(f"  {length:4d} lines  {where}  {name}")
    if offenders or stale:
        return 1
    print(f"function length: of {len(over)} functions over {LIMIT} lines, {len(over) - len(seen)} say why they are "
          f"one piece and {len(seen)} are listed in tests/style/long_functions.txt, still to split")
    return 0


if __name__ == "__main__":
    sys.exit(main())
