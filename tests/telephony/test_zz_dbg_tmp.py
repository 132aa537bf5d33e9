from telephony.settings import Settings
from telephony.runtime import Runtime
from tests.telephony.conftest import call

def test_dbg(settings: Settings, runtime: Runtime) -> None:
    placed = call(settings, runtime, ["wav:report_pothole", "wav:yes", "wav:no_thanks"])
    for t in placed.call.turns:
        print("TURN", t.speaker, repr(t.text))
    assert False
