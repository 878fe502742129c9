"""Load `content/`: the site configuration and every topic, validated before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import frontmatter, schema
from .errors import ContentError, display_path


@dataclass
class Topic:
    slug: str
    source: Path
    rel_source: str  # as shown in messages
    meta: dict
    doc: frontmatter.Document

    @property
    def url(self) -> str:
        return f"{self.slug}/"


@dataclass
class Content:
    site: dict
    site_file: str
    site_lines: dict[str, int]
    topics: list[Topic]  # sorted by `order`


def load(content_dir: Path, project_root: Path, simulator_names: set[str]) -> tuple[Content | None, list[ContentError]]:
    """Read and validate everything; return the content and all errors found."""
    errors: list[ContentError] = []
    site, site_file, site_lines = _load_site(content_dir, project_root, errors)
    broken_slugs: set[str] = set()
    topics = _load_topics(content_dir / "topics", project_root, simulator_names, errors, broken_slugs)
    if site is not None:
        _cross_check(site, site_file, site_lines, topics, broken_slugs, errors)
    if errors or site is None:
        return None, errors
    return Content(site, site_file, site_lines, sorted(topics, key=lambda t: (t.meta["order"], t.slug))), errors


def _load_site(content_dir: Path, root: Path, errors: list[ContentError]):
    path = content_dir / "site.yaml"
    shown = display_path(path, root)
    if not path.is_file():
        errors.append(ContentError(shown, 0, "(file)", "site configuration is missing"))
        return None, shown, {}
    try:
        data, lines = frontmatter.parse_yaml(path.read_text(encoding="utf-8"))
    except frontmatter.FrontMatterError as exc:
        errors.append(ContentError(shown, exc.line, "(yaml)", str(exc)))
        return None, shown, {}
    problems = schema.validate(data if data is not None else {}, schema.SITE_SCHEMA)
    for field, message in problems:
        errors.append(ContentError(shown, frontmatter.line_of(lines, field), field, message))
    return (None if problems else data), shown, lines


def _load_topics(folder: Path, root: Path, simulator_names: set[str], errors: list[ContentError],
                 broken_slugs: set[str]) -> list[Topic]:
    """Load valid topics; slugs of files that exist but failed go into `broken_slugs`
    so references to them are not reported as a second, misleading error."""
    topics: list[Topic] = []
    if not folder.is_dir():
        errors.append(ContentError(display_path(folder, root), 0, "(folder)", "topics folder is missing"))
        return topics
    for path in sorted(folder.glob("*.md")):
        shown = display_path(path, root)
        try:
            doc = frontmatter.split(path.read_text(encoding="utf-8"))
        except frontmatter.FrontMatterError as exc:
            errors.append(ContentError(shown, exc.line, "(front matter)", str(exc)))
            broken_slugs.add(path.stem)
            continue
        except UnicodeDecodeError as exc:
            errors.append(ContentError(shown, 0, "(file)", f"not valid UTF-8: {exc.reason}"))
            broken_slugs.add(path.stem)
            continue
        problems = schema.validate(doc.data, schema.TOPIC_SCHEMA)
        for field, message in problems:
            errors.append(ContentError(shown, doc.line_of(field), field, message))
        simulator = doc.data.get("simulator")
        if isinstance(simulator, dict) and isinstance(simulator.get("name"), str):
            if simulator["name"] not in simulator_names:
                known = ", ".join(sorted(simulator_names)) or "none registered yet"
                errors.append(
                    ContentError(shown, doc.line_of("simulator.name"), "simulator.name",
                                 f"unknown simulator '{simulator['name']}' (known: {known})")
                )
        slug = doc.data.get("slug") if isinstance(doc.data.get("slug"), str) else path.stem
        if problems:
            broken_slugs.add(slug)
            continue
        topics.append(Topic(slug=slug, source=path, rel_source=shown, meta=doc.data, doc=doc))
    if not topics and not errors:
        errors.append(ContentError(display_path(folder, root), 0, "(folder)", "no topic pages (*.md) found"))
    return topics


def _cross_check(site: dict, site_file: str, site_lines: dict[str, int], topics: list[Topic],
                 broken_slugs: set[str], errors: list[ContentError]) -> None:
    by_slug: dict[str, Topic] = {}
    sharing: dict[str, list[Topic]] = {}
    for topic in topics:
        by_slug.setdefault(topic.slug, topic)
        sharing.setdefault(topic.slug, []).append(topic)
    for slug, owners in sharing.items():
        if len(owners) > 1:  # report on every file involved: any of them may be the mistake
            for topic in owners:
                others = ", ".join(t.rel_source for t in owners if t is not topic)
                errors.append(ContentError(topic.rel_source, topic.doc.line_of("slug"), "slug",
                                           f"slug '{slug}' is also used by {others}"))
    for topic in topics:
        for i, slug in enumerate(topic.meta.get("related", [])):
            if slug not in by_slug and slug not in broken_slugs:
                errors.append(ContentError(topic.rel_source, topic.doc.line_of(f"related.{i}"), f"related.{i}",
                                           f"related topic '{slug}' does not exist"))
            elif slug == topic.slug:
                errors.append(ContentError(topic.rel_source, topic.doc.line_of(f"related.{i}"), f"related.{i}",
                                           "a topic cannot be related to itself"))
    for p, path in enumerate(site.get("quick_start", [])):
        for i, slug in enumerate(path.get("topics", [])):
            if slug not in by_slug and slug not in broken_slugs:
                field = f"quick_start.{p}.topics.{i}"
                errors.append(ContentError(site_file, frontmatter.line_of(site_lines, field), field, f"quick-start topic '{slug}' does not exist"))
