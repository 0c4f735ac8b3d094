from topology.incidents.feedback import Answer, Verdict, answers_of

RANKED = ["payment", "stripe-api", "checkout"]


def test_yes_on_a_ranked_candidate_is_one_answer_about_it():
    assert answers_of(RANKED, "stripe-api", Verdict.YES) == (Answer("stripe-api", Verdict.YES),)


def test_none_of_these_is_a_no_on_every_ranked_candidate():
    answers = answers_of(RANKED, None, Verdict.NO)

    assert answers == tuple(Answer(name, Verdict.NO) for name in RANKED)


def test_a_candidate_the_incident_did_not_rank_is_refused():
    assert answers_of(RANKED, "frontend", Verdict.YES) is None
    assert answers_of(RANKED, "Payment", Verdict.NO) is None


def test_nothing_can_be_answered_about_an_incident_that_ranked_nothing():
    assert answers_of([], None, Verdict.NO) is None
    assert answers_of([], "payment", Verdict.YES) is None


def test_yes_to_none_of_these_means_nothing_and_is_refused():
    assert answers_of(RANKED, None, Verdict.YES) is None
