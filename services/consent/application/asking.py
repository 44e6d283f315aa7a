"""Asking for a decision (C-9): the consent application's one hot read, and its log.

A decision is answered from the authorisation view and must be in the decision log
before it is given. The API stores the log entry in the same transaction as the
request's access record (`answer` and `logged_with`); other callers let the
application's own group commit store it (`ask`, `decide`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from services.consent.domain import Decision, DecisionQuestionInvalid, decide
from services.consent.views.authorisations import AskedDecision, AuthorisationView
from services.runtime.kernel.actor import Actor, require_party
from services.runtime.store.group_commit import GroupCommit
from services.runtime.store.read_models import Follower


@dataclass(frozen=True)
class Question:
    """C-9: may `from_org` share with `to_org` about the subject for `purpose` at `at`?"""

    subject_id: str
    from_org: str
    to_org: str
    purpose: str
    at: datetime


class AsksDecisions:
    """The decision use cases of ConsentApplication, which provides what is declared here."""

    view: AuthorisationView
    _follower: Follower
    _decision_log: GroupCommit[AskedDecision]

    def decide(self, actor: Actor, question: Question, *, asked_at: datetime) -> Decision:
        """C-9: answer from the read model, once the question is in the decision log."""
        decision, logged = self.ask(actor, question, asked_at=asked_at)
        logged.result(10)
        return decision

    def ask(
        self, actor: Actor, question: Question, *, asked_at: datetime
    ) -> tuple[Decision, Future[None]]:
        """The answer, and a future that completes when it is logged for audit.

        The answer must not be given before the future completes. Only a unit that
        is one of the two is answered (C-9): ask only about sharing your own
        organisation unit takes part in.
        """
        decision, asked = self.answer(actor, question, asked_at=asked_at)
        return decision, self._decision_log.submit(asked)

    def answer(
        self, actor: Actor, question: Question, *, asked_at: datetime
    ) -> tuple[Decision, AskedDecision]:
        """`ask` without the logging: the answer and its decision-log entry, which the
        caller must store (`logged_with`) before the answer is given (C-9). For the API,
        which stores the entry in the same transaction as the request's access record."""
        _require_asking_party(actor, question)
        self._follower.catch_up()
        subject_id = question.subject_id
        authorisations = self._follower.remembered(
            ("authorisations", subject_id), partial(self.view.authorisations_of, subject_id)
        )
        return _answered(actor, question, asked_at, authorisations)

    def answer_at_hand(
        self, actor: Actor, question: Question, *, asked_at: datetime
    ) -> tuple[Decision, AskedDecision] | None:
        """`answer` when it needs no database: the read model is level in this process and
        the subject's authorisations are remembered (SQLite, its one writer). None: ask
        `answer`, in a thread that may wait on the store."""
        _require_asking_party(actor, question)
        recalled = self._follower.recalled(("authorisations", question.subject_id))
        if recalled is None:
            return None
        return _answered(actor, question, asked_at, recalled[0])

    def logged_with(self, asked: AskedDecision) -> Callable[[Any], None]:
        """The write of `asked` to the decision log, for a transaction on this application's
        own database (the access log's: services.runtime.store.audit's `alongside`)."""
        return partial(self.view.write_decisions, batch=[asked])


def _require_asking_party(actor: Actor, question: Question) -> None:
    """C-9: only a unit that is one of the two is answered, about two different units."""
    require_party(
        actor, (question.from_org, question.to_org), what="the sharing asked about", rule="C-9"
    )
    if question.from_org == question.to_org:
        raise DecisionQuestionInvalid("from_org and to_org must be different organisations")


def _answered(
    actor: Actor, question: Question, asked_at: datetime, authorisations: Any
) -> tuple[Decision, AskedDecision]:
    decision = decide(
        authorisations,
        from_org=question.from_org,
        to_org=question.to_org,
        purpose=question.purpose,
        at=question.at,
    )
    asked = AskedDecision(
        subject_id=question.subject_id,
        from_org=question.from_org,
        to_org=question.to_org,
        purpose=question.purpose,
        at=question.at,
        asked_at=asked_at,
        asked_by=actor.hsa_id,
        asked_by_org=actor.org_id,
        decision=decision,
    )
    return decision, asked
