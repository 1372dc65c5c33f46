#!/usr/bin/env perl
# Rewrite citations of the former external specification files (THEORY.md, DESIGN.md) into
# citations of the in-repository documentation (docs/theory/, docs/architecture.md), and
# neutralise comments that name a person or a role.
#
# Usage (from the repository root):
#   perl scripts/rewrite-citations.pl [--dry-run] [--quiet]
#
# Files: every tracked *.rs, *.md, *.toml and *.py (`git ls-files`), except docs/theory/ and
# docs/architecture.md themselves.
#
# Forms produced:
#   - Rust, TOML, Python, and Markdown code (fenced blocks, inline code spans):
#       THEORY.md §1.10         -> docs/theory §1.10   (lists and ranges kept: §1.8, §3.11; §§1.3–1.4)
#       THEORY.md (no section)  -> docs/theory/
#       DESIGN.md [§N]          -> docs/architecture.md [§N]
#   - Markdown prose: relative links to the right file and anchor, e.g.
#       THEORY.md §1.8, §3.11   -> [docs/theory §1.8](theory/1-framework.md#18-...), [§3.11](theory/3-multiregion.md#311-...)
#       `THEORY.md`             -> [`docs/theory/`](theory/README.md)
#
# Only the citation text itself is replaced (never a quote, brace or backslash), so string
# literals and format strings stay valid. The section map is read from the headings of
# docs/theory/*.md ("# N Title", "## N.M Title") and docs/architecture.md ("## N. Title"), with
# GitHub's anchor rule. The rewrite is idempotent: its output contains no "THEORY.md"/"DESIGN.md".
#
# --dry-run prints the per-file substitution counts and the total without writing anything.

use v5.36;
use utf8;
use open qw(:std :encoding(UTF-8));
use File::Spec;
use File::Basename qw(dirname);
use Getopt::Long qw(GetOptions);

my $dry_run = 0;
my $quiet   = 0;
GetOptions(
    'dry-run|n' => \$dry_run,
    'quiet|q'   => \$quiet,
    'help|h'    => sub { print usage(); exit 0 },
) or die usage();
die usage() if @ARGV;

sub usage { "usage: perl scripts/rewrite-citations.pl [--dry-run] [--quiet]\n" }

my $THEORY_DIR = 'docs/theory';
my $ARCH       = 'docs/architecture.md';
-d $THEORY_DIR && -f "$THEORY_DIR/README.md" && -f $ARCH
  or die "run from the repository root: $THEORY_DIR/README.md or $ARCH not found\n";

# ---------------------------------------------------------------------------------------------
# Section maps, from the headings of the target documents.

# GitHub heading anchor: lower case, drop everything but letters, marks, digits, '_', '-' and
# spaces, then spaces -> '-'.
sub slug ($title) {
    my $s = lc $title;
    $s =~ s/[^\p{L}\p{M}\p{N}_\- ]//g;
    $s =~ s/ /-/g;
    return $s;
}

sub read_text ($path) {
    open my $fh, '<:encoding(UTF-8)', $path or die "$path: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh or die "$path: $!\n";
    return $text;
}

my %theory;    # "1" => "docs/theory/1-framework.md", "1.10" => "docs/theory/1-framework.md#110-..."
for my $f (sort glob "$THEORY_DIR/[0-9]*.md") {
    for my $line (split /\n/, read_text($f)) {
        if ($line =~ /^# (\d+) \S/) {
            $theory{$1} = $f;
        }
        elsif ($line =~ /^## (\d+\.\d+) (.+?)\s*$/) {
            $theory{$1} = "$f#" . slug("$1 $2");
        }
    }
}
%theory or die "no numbered headings found under $THEORY_DIR\n";

my %arch;    # "3" => "docs/architecture.md#3-numerics-conventions"
for my $line (split /\n/, read_text($ARCH)) {
    $arch{$1} = "$ARCH#" . slug("$1. $2") if $line =~ /^## (\d+)\. (.+?)\s*$/;
}

# ---------------------------------------------------------------------------------------------
# Patterns.

# One section reference: 1, 1.10, 1.3–1.4 (en dash or hyphen).
my $NUM  = qr/\d+(?:\.\d+)?/;
my $SREF = qr/§§?\s*$NUM(?:\s*[–-]\s*$NUM)?/;
# A citation with an optional list of sections: THEORY.md §1.8, §3.11
my $CITE = qr/\b(THEORY|DESIGN)\.md\b(?:(\s*)($SREF(?:\s*,\s*$SREF)*))?/;

my @warnings;

# Target of one section item for the document `doc` ('THEORY' or 'DESIGN'); undef if unknown.
sub target ($doc, $item, $where) {
    my ($n) = $item =~ /($NUM)/;
    my $map = $doc eq 'THEORY' ? \%theory : \%arch;
    return $map->{$n} if exists $map->{$n};
    if ($doc eq 'THEORY' && $n =~ /^(\d+)\./ && exists $theory{$1}) {
        push @warnings, "$where: $doc.md §$n has no heading; linked to part $1";
        return $theory{$1};
    }
    push @warnings, "$where: $doc.md §$n is not a section of the new documents";
    return $doc eq 'THEORY' ? "$THEORY_DIR/README.md" : $ARCH;
}

# Plain form (code, comments, TOML, Python, Markdown code).
sub plain_cite ($doc, $space, $secs, $where) {
    if (defined $secs) {
        target($doc, $_, $where) for split /\s*,\s*/, $secs;    # validation only
        return ($doc eq 'THEORY' ? 'docs/theory' : 'docs/architecture.md') . $space . $secs;
    }
    return $doc eq 'THEORY' ? 'docs/theory/' : 'docs/architecture.md';
}

sub rewrite_plain ($text, $count, $where) {
    $text =~ s{$CITE}{ $$count++; plain_cite($1, $2 // '', $3, $where) }ge;
    return $text;
}

# Markdown link form, relative to the directory of the citing file.
sub rel ($target, $dir) {
    my ($path, $anchor) = split /#/, $target, 2;
    my $r = File::Spec->abs2rel($path, $dir);
    return defined $anchor ? "$r#$anchor" : $r;
}

sub md_cite ($doc, $space, $secs, $dir, $where) {
    my $label = $doc eq 'THEORY' ? 'docs/theory' : 'docs/architecture.md';
    unless (defined $secs) {
        my $t = $doc eq 'THEORY' ? "$THEORY_DIR/README.md" : $ARCH;
        return "[" . ($doc eq 'THEORY' ? 'docs/theory/' : $label) . "](" . rel($t, $dir) . ")";
    }
    my @items = split /\s*,\s*/, $secs;
    my @out;
    for my $i (0 .. $#items) {
        my $text = $i == 0 ? "$label $items[$i]" : $items[$i];
        push @out, "[$text](" . rel(target($doc, $items[$i], $where), $dir) . ")";
    }
    return join ', ', @out;
}

sub rewrite_md_prose ($text, $count, $dir, $where) {
    $text =~ s{$CITE}{ $$count++; md_cite($1, $2 // '', $3, $dir, $where) }ge;
    return $text;
}

sub rewrite_markdown ($text, $count, $file) {
    my $dir   = dirname($file);
    my $fence = '';
    my @lines = split /(?<=\n)/, $text;
    my $n     = 0;
    for my $line (@lines) {
        $n++;
        my $where = "$file:$n";
        if ($fence) {
            $fence = '' if $line =~ /^\s*\Q$fence\E\s*$/;
            $line = rewrite_plain($line, $count, $where);
            next;
        }
        if ($line =~ /^\s*(```+|~~~+)/) {
            $fence = $1;
            next;
        }
        # Split off inline code spans: a span that is exactly a file name becomes a link with a
        # code label; other spans keep the plain form; the prose between them gets links.
        my $out = '';
        while ($line =~ /\G(.*?)(`+)(.+?)\2/gcs) {
            my ($prose, $ticks, $code) = ($1, $2, $3);
            $out .= rewrite_md_prose($prose, $count, $dir, $where);
            if ($code =~ /^(THEORY|DESIGN)\.md$/) {
                $$count++;
                my ($label, $t) =
                  $1 eq 'THEORY' ? ('docs/theory/', "$THEORY_DIR/README.md") : ($ARCH, $ARCH);
                $out .= "[$ticks$label$ticks](" . rel($t, $dir) . ")";
            }
            else {
                $out .= $ticks . rewrite_plain($code, $count, $where) . $ticks;
            }
        }
        $out .= rewrite_md_prose(substr($line, pos($line) // 0), $count, $dir, $where);
        $line = $out;
    }
    return join '', @lines;
}

# ---------------------------------------------------------------------------------------------
# Phrases that name a person or a role, or point at the former shared location. Each entry:
# [pattern, replacement (code ref on the match), description]. Applied before the citations.

my @PHRASES = (
    # crates/theory/src/equations.rs: provenance note on force_and_deflated_energy
    [
        qr/\b(?:added|changed|modified|written) by (?:[a-z]+-mo|the lead)\b\s*\(([^()\n]*)\)\.?/,
        sub ($reason) { "Rationale: $reason." },
        '"added by <role> (reason)." -> "Rationale: reason."',
    ],
    # crates/theory/src/equations.rs: tolerance of pure_chaos_delta0 (brent at 1e-11)
    [
        qr/\bchanged by [a-z]+-mo: (?=\|h\| has a rounding floor)/,
        sub { 'tolerance 1e-11 because ' },
        '"changed by <role>: |h| has ..." -> "tolerance 1e-11 because |h| has ..."',
    ],
    # any other "<verb> by <role>:" provenance prefix
    [
        qr/\b(?:added|changed|modified|written) by (?:[a-z]+-mo|the lead)\b:?[ \t]*/,
        sub { '' },
        '"added/changed by <role>:" -> removed',
    ],
    # "the lead's X" at the end of a comment line
    [ qr/\bthe lead's(?=\r?\n)/, sub { 'the' }, '"the lead\'s" -> "the"' ],
    # "the lead's X", also across a comment line break ("the\n//! lead's X")
    [
        qr/\bthe(\s+(?:(?:\/\/[\/!]?|#)[ \t]*)?)lead's[ \t]+/,
        sub ($sep) { "the$sep" },
        '"the lead\'s" -> "the"',
    ],
    # docs/robustness.md
    [
        qr/\bvalidated by its owner's module\b/,
        sub { 'validated by the module that implements it' },
        '"its owner\'s module" -> "the module that implements it"',
    ],
    # README.md and docs/theory.md: the specification is no longer a shared external file
    [ qr/\bthe shared (?=`?THEORY\.md)/, sub { '' }, '"the shared THEORY.md" -> the in-repo reference' ],
    [ qr/\(shared with the project; (?=sections cited as §\))/, sub { '(' }, '"(shared with the project; " -> "("' ],
);

sub rewrite_phrases ($text, $count) {
    for my $p (@PHRASES) {
        my ($re, $sub) = @$p;
        $text =~ s{$re}{ $$count++; $sub->(@{^CAPTURE}) }ge;
    }
    return $text;
}

# Patterns that should not survive; reported, never rewritten blindly.
my $SUSPECT = qr/\b[a-z]+-mo\b(?!-)|\bthe lead\b(?!ing)|\blead's\b|\b(?:added|changed) by [a-z]+-[a-z]+\b/;

# ---------------------------------------------------------------------------------------------
# Main.

my @files = do {
    local $/ = "\0";
    open my $git, '-|', 'git', 'ls-files', '-z', '--', '*.rs', '*.md', '*.toml', '*.py'
      or die "git ls-files: $!\n";
    my @f = map { chomp; $_ } <$git>;
    close $git or die "git ls-files failed (not a git checkout?)\n";
    grep { !m{^\Q$THEORY_DIR\E/} && $_ ne $ARCH && -f $_ } @f;
};

my ($total, $changed_files) = (0, 0);
for my $file (@files) {
    my $orig  = read_text($file);
    my $count = 0;
    my $text  = rewrite_phrases($orig, \$count);
    $text = $file =~ /\.md$/ ? rewrite_markdown($text, \$count, $file) : rewrite_plain($text, \$count, $file);
    while ($text =~ /^(.*$SUSPECT.*)$/mg) {
        push @warnings, "$file: possible person/role reference left: " . ($1 =~ s/^\s+//r);
    }
    next if $text eq $orig;
    $total += $count;
    $changed_files++;
    printf "%-50s %4d\n", $file, $count unless $quiet;
    next if $dry_run;
    my $tmp = "$file.rewrite-citations.tmp";
    open my $out, '>:encoding(UTF-8)', $tmp or die "$tmp: $!\n";
    print {$out} $text or die "$tmp: $!\n";
    close $out or die "$tmp: $!\n";
    chmod((stat $file)[2] & 07777, $tmp);
    rename $tmp, $file or die "rename $tmp -> $file: $!\n";
}

printf "%stotal: %d substitutions in %d files\n", ($dry_run ? '(dry run) ' : ''), $total, $changed_files;
my %seen;
print STDERR "warning: $_\n" for grep { !$seen{$_}++ } @warnings;
exit 0;
